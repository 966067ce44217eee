import Foundation

/// Getting staging's variables and versions: reading a file or running a command through
/// `ctx.runner`. Every failure is a `DevenvError` naming the source, exit code 1; what the
/// source printed is never quoted (it may hold secrets).
enum MirrorFetch {
    /// Staging's variables from `source`. An empty result is an error too: a provider CLI that
    /// is logged out or pointed at the wrong project often prints nothing and exits 0.
    static func variables(_ source: StagingSource, ctx: DevenvContext, root: String) async throws -> [StagingVar] {
        let tempDir = try privateTempDir()
        defer { try? FileManager.default.removeItem(atPath: tempDir) }
        let text: String
        switch try source.fetch(tempFile: tempDir + "/staging.env") {
        case .readFile(let path):
            text = try read(absolute(path, root: root), source: source)
        case .run(let invocation):
            if case .command(let argv, _) = source {
                try ManifestTrust(paths: ctx.paths).require(ctx, manifest: root + "/" + ManifestLoader.fileName, commands: [argv],
                                                            purpose: "to read staging's variables (staging.from.command)")
            }
            let stdout = try await run(invocation.argv, source: source, ctx: ctx, root: root)
            text = try invocation.outputFile.map { try read($0, source: source) } ?? stdout
        }
        let vars = try parse(text, source: source)
        guard !vars.isEmpty else {
            throw DevenvError("staging source \(source.label) gave no variables; nothing was changed",
                              hint: "Check that it points at the right project and environment, and that its CLI is logged in.")
        }
        return vars
    }

    /// Staging's service versions from `staging.versions: { command: […] }`: a JSON or YAML map
    /// (or `name=version` lines) on stdout.
    static func versions(_ argv: [String], ctx: DevenvContext, root: String) async throws -> [String: String] {
        let source = StagingSource.command(argv: argv, format: nil)
        try ManifestTrust(paths: ctx.paths).require(ctx, manifest: root + "/" + ManifestLoader.fileName, commands: [argv],
                                                    purpose: "to read staging's service versions (staging.versions.command)")
        let text = try await run(argv, source: source, ctx: ctx, root: root)
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

    /// Runs `argv` in the project root; a relative program path (`./bin/x`) is taken from the root.
    static func run(_ argv: [String], source: StagingSource, ctx: DevenvContext, root: String) async throws -> String {
        guard let program = argv.first else { throw source.commandFailed(status: nil) }
        let exe = program.contains("/") ? absolute(program, root: root) : program
        let result: CommandResult
        do {
            result = try await ctx.runner.capture(Command(exe, Array(argv.dropFirst()), workingDirectory: root))
        } catch {
            throw source.commandFailed(status: nil)
        }
        guard result.succeeded else { throw source.commandFailed(status: result.status) }
        return result.stdout
    }

    static func read(_ path: String, source: StagingSource) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DevenvError("staging source \(source.label): \(path) does not exist; nothing was changed",
                              hint: "Fix staging.from in devenv.yml, or run `devenv mirror --from-lock` to use the committed lock.")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DevenvError("staging source \(source.label): cannot read \(path) as UTF-8 text; nothing was changed")
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
