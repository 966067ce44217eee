import Foundation

/// One variable as staging has it.
///
/// Invariant: `value` is nil only when the source knows the name but not the value
/// (Fly lists secret names and digests, never values; a lock keeps a digest for a secret).
public struct StagingVar: Sendable, Equatable {
    public var name: String
    public var value: String?
    /// The source itself says the value is secret (an SSM `SecureString`, every Fly secret).
    public var markedSecret: Bool

    public init(name: String, value: String?, markedSecret: Bool = false) {
        self.name = name
        self.value = value
        self.markedSecret = markedSecret
    }
}

/// The text formats a `file:` or `command:` source may print. JSON covers an object of
/// names to values and an array of `{key, value}` / `{name, value}` entries.
public enum StagingFormat: String, Sendable, CaseIterable {
    case json, yaml, dotenv
}

/// Parses dotenv text into ordered pairs. Injected so the mirror library shares the one
/// dotenv parser of `Env/` (`{ try Dotenv.parse($0, file: path, lookup: …) }`).
public typealias DotenvParser = @Sendable (String) throws -> [(key: String, value: String)]

/// Where staging's config comes from (`staging.from` in `devenv.yml`).
public enum StagingSource: Sendable, Equatable {
    /// A file in dotenv, JSON or YAML; format detected when nil.
    case file(path: String, format: StagingFormat?)
    /// A command whose stdout is parsed; format detected when nil.
    case command(argv: [String], format: StagingFormat?)
    /// A provider CLI the team already has, built from a few settings, plus extra args.
    case preset(name: StagingPreset, settings: [String: String], extraArgs: [String])

    /// How the source is named in messages and the lock: names, settings and argv, with the
    /// argument after (or of) a flag naming a token, key, secret or password masked.
    public var label: String {
        switch self {
        case .file(let path, _): return "file \(path)"
        case .command(let argv, _): return "command `\(Self.masked(argv).joined(separator: " "))`"
        case .preset(let name, let settings, _):
            let shown = settings.keys.sorted().map { "\($0): \(settings[$0]!)" }.joined(separator: ", ")
            return "preset \(name.rawValue)" + (shown.isEmpty ? "" : " (\(shown))")
        }
    }

    /// `--token X`, `--token=X`, `-H "Authorization: …"` → the value as `***`.
    public static func masked(_ argv: [String]) -> [String] {
        func sensitive(_ flag: String) -> Bool {
            let f = flag.lowercased()
            return f.hasPrefix("-") && ["token", "secret", "password", "key", "auth"].contains { f.contains($0) }
        }
        var out: [String] = []
        var hideNext = false
        for arg in argv {
            if hideNext { out.append("***"); hideNext = false; continue }
            if let eq = arg.firstIndex(of: "="), sensitive(String(arg[..<eq])) {
                out.append(arg[...eq] + "***")
            } else if arg.lowercased().hasPrefix("authorization:") || arg.lowercased().hasPrefix("bearer ") {
                out.append("***")
            } else {
                hideNext = sensitive(arg)
                out.append(arg)
            }
        }
        return out
    }

    /// What to do to get the raw text: read a file, or run a command (and maybe read the file it wrote).
    /// `tempFile` is a fresh path the caller owns and removes afterwards (used by Vercel).
    public func fetch(tempFile: String) throws -> StagingFetch {
        switch self {
        case .file(let path, _): return .readFile(path)
        case .command(let argv, _):
            guard !argv.isEmpty else { throw DevenvError.usage("staging.from.command is empty", hint: "Give the command as a list: [railway, variables, --json]") }
            return .run(PresetInvocation(argv: argv, outputFile: nil))
        case .preset(let name, let settings, let extra):
            return .run(try name.invocation(settings: settings, extraArgs: extra, outputFile: tempFile))
        }
    }

    /// Parses what `fetch` produced (file text, stdout, or the file a preset wrote) into variables.
    /// Errors name the source and never quote the text (it may hold secrets); exit code `.failure`.
    public func parse(_ text: String, dotenv: DotenvParser) throws -> [StagingVar] {
        do {
            switch self {
            case .file(_, let format), .command(_, let format):
                return try StagingParse.any(text, format: format, dotenv: dotenv)
            case .preset(let name, let settings, _):
                return try name.parse(text, settings: settings, dotenv: dotenv)
            }
        } catch let e as StagingParse.Failure {
            throw DevenvError("staging source \(label) printed something devenv cannot read: \(e.reason)",
                              hint: hint(for: e), exitCode: .failure)
        } catch let e as DevenvError {
            throw DevenvError("staging source \(label): \(e.message)", hint: e.hint, exitCode: .failure, details: e.details)
        } catch {
            throw DevenvError("staging source \(label) could not be read (\(type(of: error)))", exitCode: .failure)
        }
    }

    /// The error for a command that could not start or exited non-zero. Its output is not quoted.
    public func commandFailed(status: Int32?) -> DevenvError {
        let what = status.map { "exited with status \($0)" } ?? "could not be started"
        var hint = "Run it yourself to see why; devenv does not print its output because it may hold secrets."
        if case .preset(let name, _, _) = self, status == nil { hint = name.installHint }
        return DevenvError("staging source \(label) \(what); nothing was changed", hint: hint, exitCode: .failure)
    }

    private func hint(for failure: StagingParse.Failure) -> String {
        switch self {
        case .preset(let name, _, _): return "Expected \(name.outputShape). Check that \(name.rawValue)'s CLI is logged in and up to date."
        default: return "Give `format: json`, `yaml` or `dotenv`, or make the source print a flat map of names to values."
        }
    }
}

/// What getting a source's text takes.
public enum StagingFetch: Sendable, Equatable {
    case readFile(String)
    case run(PresetInvocation)
}

/// A command to run for a source. When `outputFile` is set the command writes its result
/// there (read it after a zero exit); otherwise the result is stdout.
public struct PresetInvocation: Sendable, Equatable {
    public var argv: [String]
    public var outputFile: String?

    public init(argv: [String], outputFile: String?) {
        self.argv = argv
        self.outputFile = outputFile
    }
}
