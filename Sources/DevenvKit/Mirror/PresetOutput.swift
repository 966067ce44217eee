import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The output formats of the presets' CLIs and their parsers. Each parser reads exactly what the
/// provider's source writes (see the table in Presets.swift) and fails, naming positions and
/// keys but never a value, on anything else.
public enum PresetOutput {
    public enum Shape: Sendable, Equatable, CustomStringConvertible {
        /// `{"NAME": "value", …}` (Railway, Doppler, Heroku).
        case jsonObject
        /// The dotenv file `vercel env pull` writes.
        case vercelFile
        /// `fly secrets list --json`: names and digests.
        case flySecrets
        /// `fly.toml`'s `[env]`.
        case flyTomlEnv
        /// One page of Render's env-vars API.
        case renderEnvVars
        /// `aws ssm get-parameters-by-path` JSON.
        case ssmParameters
        /// `aws secretsmanager get-secret-value` JSON whose SecretString is a JSON object.
        case secretsManagerSecret
        /// `infisical export --format=json`.
        case infisicalList

        public var description: String {
            switch self {
            case .jsonObject: return "a JSON object of names to values"
            case .vercelFile: return "the file `vercel env pull` writes (KEY=\"value\" lines)"
            case .flySecrets: return "a JSON list of {\"name\", \"digest\"}"
            case .flyTomlEnv: return "fly.toml with an [env] table"
            case .renderEnvVars: return "Render's env-vars JSON: a list of {\"envVar\": {\"key\", \"value\"}, \"cursor\"}"
            case .ssmParameters: return "get-parameters-by-path JSON: {\"Parameters\": [{\"Name\", \"Type\", \"Value\"}]}"
            case .secretsManagerSecret: return "get-secret-value JSON whose \"SecretString\" is a JSON object of names to values"
            case .infisicalList: return "a JSON list of {\"key\", \"value\", \"type\"} (or null)"
            }
        }
    }

    static func parse(_ shape: Shape, _ text: String, settings: [String: String]) throws -> [StagingVar] {
        switch shape {
        case .jsonObject: return try StagingParse.jsonObject(text)
        case .vercelFile: return try VercelEnvFile.parse(text)
        case .flySecrets: return try flySecrets(text)
        case .flyTomlEnv: return try FlyToml.env(text).map { StagingVar(name: $0.key, value: $0.value) }
        case .renderEnvVars: return try RenderAPI.envVarsPage(text).vars
        case .ssmParameters: return try ssm(text, path: settings["path"] ?? "")
        case .secretsManagerSecret: return try secretsManager(text)
        case .infisicalList: return try infisical(text)
        }
    }

    /// `[{"name": …, "digest": …, "status": …}]`; flyctl before the status column printed
    /// `{"Name", "Digest", "CreatedAt"}`. Every entry is a secret whose value Fly never shows;
    /// the digest is kept so a rotation shows as drift.
    static func flySecrets(_ text: String) throws -> [StagingVar] {
        guard case .array(let items) = try StagingParse.json(text) else { throw StagingParse.Failure(reason: "expected a JSON list of secrets") }
        return StagingParse.dedupe(try items.enumerated().map { i, item in
            guard case .object(let o) = item, case .string(let name)? = o["name"] ?? o["Name"], !name.isEmpty else {
                throw StagingParse.Failure(reason: "entry \(i + 1) has no \"name\"")
            }
            var digest: String?
            if case .string(let d)? = o["digest"] ?? o["Digest"], !d.isEmpty { digest = d }
            return StagingVar(name: name, value: nil, markedSecret: true, digest: digest)
        })
    }

    /// `{"Parameters":[{"Name":"/app/staging/DATABASE_URL","Type":"SecureString","Value":…}]}`:
    /// the path prefix is stripped, deeper `/` become `_`, and `SecureString` marks a secret.
    /// A `NextToken` means the output is one page of several (`--no-paginate`, `--max-items`).
    static func ssm(_ text: String, path: String) throws -> [StagingVar] {
        guard case .object(let root) = try StagingParse.json(text), case .array(let params)? = root["Parameters"] else {
            throw StagingParse.Failure(reason: "expected a JSON object with a \"Parameters\" list")
        }
        if case .string(let token)? = root["NextToken"], !token.isEmpty {
            throw StagingParse.Failure(reason: "it is one page of several (it has a \"NextToken\"); remove --no-paginate or --max-items from args:")
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return StagingParse.dedupe(try params.enumerated().map { i, p in
            guard case .object(let o) = p, case .string(let full)? = o["Name"] else {
                throw StagingParse.Failure(reason: "parameter \(i + 1) has no \"Name\"")
            }
            var name = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
            if name.hasPrefix("/") { name.removeFirst() }
            name = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
            let secure: Bool
            if case .string(let t)? = o["Type"] { secure = t == "SecureString" } else { secure = false }
            return StagingVar(name: name, value: try o["Value"].map { try StagingParse.text($0, key: name) }, markedSecret: secure)
        })
    }

    /// `{"ARN", "Name", "VersionId", "SecretString": "{\"KEY\": \"value\"}", …}`.
    static func secretsManager(_ text: String) throws -> [StagingVar] {
        guard case .object(let root) = try StagingParse.json(text) else {
            throw StagingParse.Failure(reason: "expected get-secret-value's JSON object")
        }
        guard case .string(let secret)? = root["SecretString"] else {
            if root["SecretBinary"] != nil { throw StagingParse.Failure(reason: "the secret is binary (SecretBinary); devenv reads a SecretString holding a JSON object of keys") }
            throw StagingParse.Failure(reason: "it has no \"SecretString\"")
        }
        do { return try StagingParse.jsonObject(secret) } catch let e as StagingParse.Failure {
            throw StagingParse.Failure(reason: "its SecretString is not a JSON object of names to values (\(e.reason))")
        }
    }

    /// `[{"key", "value", "type", …}]` sorted by key, or `null` for an environment without
    /// secrets. A `"type": "personal"` entry is one person's override, never staging's.
    static func infisical(_ text: String) throws -> [StagingVar] {
        let root = try StagingParse.json(text)
        if root == .null { return [] }
        guard case .array(let items) = root else { throw StagingParse.Failure(reason: "expected a JSON list of secrets or null") }
        var vars: [StagingVar] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item, case .string(let name)? = o["key"], !name.isEmpty else {
                throw StagingParse.Failure(reason: "entry \(i + 1) has no \"key\"")
            }
            if case .string("personal")? = o["type"] { continue }
            guard let value = o["value"] else { throw StagingParse.Failure(reason: "entry '\(name)' has no \"value\"") }
            vars.append(StagingVar(name: name, value: try StagingParse.text(value, key: name)))
        }
        return StagingParse.dedupe(vars)
    }
}
