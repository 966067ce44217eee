import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What reading staging gave: its variables, and remarks for people.
struct StagingRead {
    var vars: [StagingVar]
    var notes: [String] = []
}

/// Getting staging's variables and versions: reading a file or running commands through
/// `ctx.runner`, each with the timeout. Every failure is a `DevenvError` naming the source, exit
/// code 1; what the source printed is never quoted (it may hold secrets).
enum MirrorFetch {
    static let defaultTimeout: Double = StagingConfig.defaultTimeout

    /// Staging's variables from `source`. An empty result is an error too: a provider CLI that
    /// is logged out or pointed at the wrong project often prints nothing (or `{}`) and exits 0.
    static func variables(_ source: StagingSource, ctx: DevenvContext, root: String,
                          timeout: Double = defaultTimeout) async throws -> StagingRead {
        var read = StagingRead(vars: [])
        switch source {
        case .file(let path, _):
            read.vars = try parse(try self.read(absolute(path, root: root), source: source), source: source)
        case .command(let argv, _):
            guard !argv.isEmpty else { throw DevenvError.usage("staging.from.command is empty", hint: "Give the command as a list: [railway, variables, --json]") }
            try ManifestTrust(paths: ctx.paths).require(ctx, manifest: root + "/" + ManifestLoader.fileName, commands: [argv],
                                                        purpose: "to read staging's variables (staging.from.command)")
            let text = try await run(PresetInvocation(argv: argv, outputFile: nil), source: source, ctx: ctx, root: root, timeout: timeout)
            read.vars = try parse(text, source: source)
        case .preset(.render, let settings, let extra):
            read.vars = try await render(source, settings: settings, extraArgs: extra, ctx: ctx, root: root, timeout: timeout)
        case .preset(let preset, let settings, let extra):
            let tempDir = try privateTempDir()
            defer { try? FileManager.default.removeItem(atPath: tempDir) }
            let invocation = try preset.invocation(settings: settings, extraArgs: extra, outputFile: tempDir + "/staging.env")
            let stdout = try await run(invocation, source: source, ctx: ctx, root: root, timeout: timeout,
                                       staleWarnings: preset.spec.staleWarnings)
            read.vars = try parse(try invocation.outputFile.map { try self.read($0, source: source) } ?? stdout, source: source)
            if let file = preset.spec.alsoReads {
                read.vars = try projectFile(file, settings: settings, source: source, root: root) + read.vars
                read.vars = StagingParse.dedupe(read.vars)
            }
        }
        guard !read.vars.isEmpty else {
            throw DevenvError("staging source \(source.label) gave no variables; nothing was changed",
                              hint: "Check that it points at the right project and environment, and that its CLI is logged in.",
                              exitCode: .failure)
        }
        return read
    }

    /// A project file a preset reads beside its CLI (Fly's `fly.toml`): absent is fine at its
    /// default path, an error where a setting names it. Its variables come first, so the CLI's
    /// (Fly's secrets) win for a name both have, as on the platform.
    static func projectFile(_ file: PresetSpec.ProjectFile, settings: [String: String], source: StagingSource, root: String) throws -> [StagingVar] {
        let given = settings[file.setting]
        let path = absolute(given ?? file.defaultPath, root: root)
        guard given != nil || FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try read(path, source: source)
        do {
            return try PresetOutput.parse(file.shape, text, settings: settings)
        } catch let e as StagingParse.Failure {
            throw DevenvError("staging source \(source.label): \(e.reason); nothing was changed",
                              hint: "Fix \(given ?? file.defaultPath), or name another file with `\(file.setting):` under staging.from.", exitCode: .failure)
        }
    }

    /// Render: the linked env groups, then the service's own variables (which win), page by page.
    static func render(_ source: StagingSource, settings: [String: String], extraArgs: [String], ctx: DevenvContext,
                       root: String, timeout: Double) async throws -> [StagingVar] {
        let service = try StagingPreset.render.resolve(settings)["service"]!
        guard !(ctx.environment["RENDER_API_KEY"] ?? "").isEmpty else {
            throw DevenvError("staging source \(source.label) needs RENDER_API_KEY in the environment; nothing was changed",
                              hint: StagingPreset.render.installHint, exitCode: .failure)
        }
        func get(_ url: String) async throws -> String {
            try await run(RenderAPI.request(url, extraArgs: extraArgs), source: source, ctx: ctx, root: root, timeout: timeout)
        }
        func pages(_ first: (String?) -> String, _ read: (String) throws -> String?) async throws {
            var cursor: String?
            var seen = Set<String>()
            repeat {
                cursor = try read(try await get(first(cursor)))
                if let c = cursor, !seen.insert(c).inserted {
                    throw DevenvError("staging source \(source.label): Render returned the same page twice; nothing was changed", exitCode: .failure)
                }
            } while cursor != nil
        }
        var groups: [String] = []
        try await pages(RenderAPI.envGroups(cursor:)) { text in
            let page = try renderPage(text, source: source) { try RenderAPI.linkedGroups($0, service: service) }
            groups += page.ids
            return page.next
        }
        var vars: [StagingVar] = []
        for id in groups {
            let text = try await get(RenderAPI.envGroup(id))
            vars += try renderPage(text, source: source) { try RenderAPI.groupVars($0) }
        }
        try await pages({ RenderAPI.serviceEnvVars(service, cursor: $0) }) { text in
            let page = try renderPage(text, source: source) { try RenderAPI.envVarsPage($0) }
            vars += page.vars
            return page.next
        }
        return StagingParse.dedupe(vars.filter { !StagingPreset.render.isPlatformKey($0.name) })
    }

    static func renderPage<T>(_ text: String, source: StagingSource, _ body: (String) throws -> T) throws -> T {
        do { return try body(text) } catch let e as StagingParse.Failure {
            throw DevenvError("staging source \(source.label) printed something devenv cannot read: \(e.reason); nothing was changed",
                              hint: "Expected \(StagingPreset.render.outputShape). Check RENDER_API_KEY and the service id.", exitCode: .failure)
        }
    }

    /// Staging's service versions from `staging.versions: { command: […] }`: a JSON or YAML map
    /// (or `name=version` lines) on stdout.
    static func versions(_ argv: [String], ctx: DevenvContext, root: String, timeout: Double = defaultTimeout) async throws -> [String: String] {
        let source = StagingSource.command(argv: argv, format: nil)
        try ManifestTrust(paths: ctx.paths).require(ctx, manifest: root + "/" + ManifestLoader.fileName, commands: [argv],
                                                    purpose: "to read staging's service versions (staging.versions.command)")
        let text = try await run(PresetInvocation(argv: argv, outputFile: nil), source: source, ctx: ctx, root: root, timeout: timeout)
        var out: [String: String] = [:]
        for v in try parse(text, source: source) { out[v.name] = v.value ?? "" }
        return out
    }

    static func parse(_ text: String, source: StagingSource) throws -> [StagingVar] {
        do { return try source.parse(text, dotenv: dotenv) } catch var e as DevenvError {
            e.message += "; nothing was changed"
            throw e
        }
    }

    /// Runs the command in the project root (a relative program path, `./bin/x`, is taken from
    /// the root) within `timeout` seconds; its stdout.
    static func run(_ invocation: PresetInvocation, source: StagingSource, ctx: DevenvContext, root: String,
                    timeout: Double, staleWarnings: [String] = []) async throws -> String {
        guard let program = invocation.argv.first else { throw source.commandFailed(status: nil) }
        let exe = program.contains("/") ? absolute(program, root: root) : program
        let command = Command(exe, Array(invocation.argv.dropFirst()), environment: invocation.environment,
                              workingDirectory: root, timeout: .milliseconds(Int64(timeout * 1000)))
        let result: CommandResult
        do {
            result = try await ctx.runner.capture(command)
        } catch is CommandTimedOut {
            throw source.timedOut(after: timeout)
        } catch let e as CommandOutputTooLarge {
            throw source.tooMuchOutput(limit: e.limit)
        } catch {
            throw source.commandFailed(status: nil)
        }
        guard result.succeeded else { throw source.commandFailed(status: result.status) }
        if staleWarnings.contains(where: { result.stderr.contains($0) }) { throw source.servedCachedCopy() }
        return result.stdout
    }

    static func read(_ path: String, source: StagingSource) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DevenvError("staging source \(source.label): \(path) does not exist; nothing was changed",
                              hint: "Fix staging.from in devenv.yml, or run `devenv mirror --from-lock` to use the committed lock.", exitCode: .failure)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DevenvError("staging source \(source.label): cannot read \(path) as UTF-8 text; nothing was changed", exitCode: .failure)
        }
        return text
    }

    /// The one dotenv parser of `Env/`, with errors reduced to a line number: its messages
    /// quote the offending line, which may hold a secret.
    static let dotenv: DotenvParser = { text in
        do {
            return try Dotenv.parse(text, file: "staging")
        } catch let e as DevenvError {
            let line = e.message.split(separator: ":").dropFirst().first.flatMap { Int($0) }
            throw StagingParse.Failure(reason: "it is not valid dotenv" + (line.map { " (line \($0))" } ?? ""))
        }
    }

    static func absolute(_ path: String, root: String) -> String {
        path.hasPrefix("/") ? path : root + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// A fresh folder only this user can read (Vercel writes staging's secrets into it).
    static func privateTempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "devenv-mirror-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return dir
    }
}
