import Foundation

/// The provider CLIs devenv knows: how to call each for staging's config, and how to read
/// what it prints. Every call is read-only.
public enum StagingPreset: String, Sendable, CaseIterable {
    case vercel, railway, fly, doppler, heroku, render
    case awsSSM = "aws-ssm"
    case infisical

    /// Settings the preset reads, with their defaults (nil: no default; the CLI's own link or config applies).
    public var settingDefaults: [(name: String, default: String?)] {
        switch self {
        case .vercel: return [("environment", "preview"), ("branch", nil), ("scope", nil)]
        case .railway: return [("environment", "staging"), ("service", nil)]
        case .fly: return [("app", nil)]
        case .doppler: return [("project", nil), ("config", "stg")]
        case .heroku: return [("app", nil)]
        case .render: return [("service", nil)]
        case .awsSSM: return [("path", nil), ("region", nil), ("profile", nil)]
        case .infisical: return [("environment", "staging"), ("project", nil), ("path", nil)]
        }
    }

    /// Settings that must be given.
    public var requiredSettings: [String] {
        switch self {
        case .render: return ["service"]
        case .awsSSM: return ["path"]
        default: return []
        }
    }

    /// The command for these settings. `outputFile` is where Vercel writes its dotenv file;
    /// the other CLIs print to stdout. Throws a usage error for unknown or missing settings.
    public func invocation(settings: [String: String], extraArgs: [String], outputFile: String) throws -> PresetInvocation {
        let s = try resolve(settings)
        var argv: [String]
        var file: String?
        switch self {
        case .vercel:
            argv = ["vercel", "env", "pull", outputFile, "--environment=\(s["environment"]!)", "--yes"]
            if let b = s["branch"] { argv.append("--git-branch=\(b)") }
            if let t = s["scope"] { argv += ["--scope", t] }
            file = outputFile
        case .railway:
            argv = ["railway", "variables", "--json", "--environment", s["environment"]!]
            if let svc = s["service"] { argv += ["--service", svc] }
        case .fly:
            argv = ["fly", "secrets", "list", "--json"]
            if let app = s["app"] { argv += ["-a", app] }
        case .doppler:
            argv = ["doppler", "secrets", "download", "--no-file", "--format", "json"]
            if let p = s["project"] { argv += ["--project", p] }
            argv += ["--config", s["config"]!]
        case .heroku:
            argv = ["heroku", "config", "--json"]
            if let app = s["app"] { argv += ["-a", app] }
        case .render:
            // The API key stays in the environment ($RENDER_API_KEY), never in argv; the service id is $1.
            let script = "sid=$1; shift; exec curl -fsS -H \"Authorization: Bearer $RENDER_API_KEY\" -H 'Accept: application/json' \"$@\" \"https://api.render.com/v1/services/$sid/env-vars?limit=100\""
            return PresetInvocation(argv: ["sh", "-c", script, "render-env-vars", s["service"]!] + extraArgs, outputFile: nil)
        case .awsSSM:
            argv = ["aws", "ssm", "get-parameters-by-path", "--path", s["path"]!, "--with-decryption", "--recursive", "--output", "json"]
            if let r = s["region"] { argv += ["--region", r] }
            if let p = s["profile"] { argv += ["--profile", p] }
        case .infisical:
            argv = ["infisical", "export", "--format=json", "--env=\(s["environment"]!)"]
            if let p = s["project"] { argv.append("--projectId=\(p)") }
            if let p = s["path"] { argv.append("--path=\(p)") }
        }
        return PresetInvocation(argv: argv + extraArgs, outputFile: file)
    }

    /// Reads what the CLI printed (or, for Vercel, the file it wrote) into variables,
    /// dropping the platform's own keys (`VERCEL_*`, `RAILWAY_*`, `DOPPLER_*`).
    public func parse(_ text: String, settings: [String: String], dotenv: DotenvParser) throws -> [StagingVar] {
        let vars: [StagingVar]
        switch self {
        case .vercel:
            vars = try dotenv(text).map { StagingVar(name: $0.key, value: $0.value) }
        case .railway, .doppler, .heroku:
            vars = try StagingParse.jsonObject(text)
        case .fly:
            vars = try StagingParse.jsonEntries(text, nameKeys: ["name", "Name"], valueKeys: []).map {
                StagingVar(name: $0.name, value: nil, markedSecret: true)
            }
        case .render:
            vars = try StagingParse.jsonEntries(text, nameKeys: ["key"], valueKeys: ["value"], unwrap: "envVar")
        case .infisical:
            vars = try StagingParse.jsonEntries(text, nameKeys: ["key", "secretKey"], valueKeys: ["value", "secretValue"])
        case .awsSSM:
            vars = try Self.parseSSM(text, path: settings["path"] ?? "")
        }
        return vars.filter { !isPlatformKey($0.name) }
    }

    /// Keys the platform sets for its own runtime; meaningless on a laptop.
    public func isPlatformKey(_ name: String) -> Bool {
        switch self {
        case .vercel: return name == "VERCEL" || name.hasPrefix("VERCEL_") || name.hasPrefix("TURBO_") || name == "NX_DAEMON"
        case .railway: return name.hasPrefix("RAILWAY_")
        case .doppler: return name.hasPrefix("DOPPLER_")
        default: return false
        }
    }

    /// `{"Parameters":[{"Name":"/app/staging/DATABASE_URL","Type":"SecureString","Value":…}]}`:
    /// the path prefix is stripped, deeper `/` become `_`, and `SecureString` marks a secret.
    static func parseSSM(_ text: String, path: String) throws -> [StagingVar] {
        guard case .object(let root) = try StagingParse.json(text), case .array(let params)? = root["Parameters"] else {
            throw StagingParse.Failure(reason: "expected a JSON object with a \"Parameters\" list")
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return try params.enumerated().map { i, p in
            guard case .object(let o) = p, case .string(let full)? = o["Name"] else {
                throw StagingParse.Failure(reason: "parameter \(i + 1) has no \"Name\"")
            }
            var name = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
            if name.hasPrefix("/") { name.removeFirst() }
            name = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
            let secure: Bool
            if case .string(let t)? = o["Type"] { secure = t == "SecureString" } else { secure = false }
            return StagingVar(name: name, value: try o["Value"].map { try StagingParse.text($0, key: name) }, markedSecret: secure)
        }
    }

    /// What the CLI is expected to print, for error hints.
    public var outputShape: String {
        switch self {
        case .vercel: return "the dotenv file `vercel env pull` writes"
        case .railway, .doppler, .heroku: return "a JSON object of names to values"
        case .fly: return "a JSON list of {\"name\", \"digest\", \"created_at\"}"
        case .render: return "Render's env-vars JSON: a list of {\"envVar\": {\"key\", \"value\"}, \"cursor\"}"
        case .awsSSM: return "get-parameters-by-path JSON: {\"Parameters\": [{\"Name\", \"Value\"}]}"
        case .infisical: return "a JSON list of {\"key\", \"value\"}"
        }
    }

    /// What to do when the CLI is not installed.
    public var installHint: String {
        switch self {
        case .vercel: return "Install the Vercel CLI (npm i -g vercel), then `vercel login` and `vercel link`."
        case .railway: return "Install the Railway CLI (npm i -g @railway/cli), then `railway login` and `railway link`."
        case .fly: return "Install flyctl (https://fly.io/docs/flyctl/install/), then `fly auth login`."
        case .doppler: return "Install the Doppler CLI (https://docs.doppler.com/docs/install-cli), then `doppler login`."
        case .heroku: return "Install the Heroku CLI (npm i -g heroku), then `heroku login`."
        case .render: return "Install curl and export RENDER_API_KEY (Render dashboard → Account settings → API keys)."
        case .awsSSM: return "Install the AWS CLI v2 and sign in (`aws configure` or `aws sso login`)."
        case .infisical: return "Install the Infisical CLI (https://infisical.com/docs/cli/overview), then `infisical login`."
        }
    }

    private func resolve(_ given: [String: String]) throws -> [String: String] {
        let known = settingDefaults.map(\.name)
        for key in given.keys.sorted() where !known.contains(key) {
            throw DevenvError.usage("preset \(rawValue) has no setting '\(key)'\(Suggest.hint(key, among: known))",
                                    hint: "Settings of \(rawValue): \(known.joined(separator: ", ")).")
        }
        for key in requiredSettings where (given[key] ?? "").isEmpty {
            throw DevenvError.usage("preset \(rawValue) needs the setting '\(key)'", hint: "Add `\(key): …` under staging.from.")
        }
        var out: [String: String] = [:]
        for (name, def) in settingDefaults { if let v = given[name] ?? def, !v.isEmpty { out[name] = v } }
        return out
    }
}
