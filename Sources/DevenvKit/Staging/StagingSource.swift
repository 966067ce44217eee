import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One variable as staging has it.
///
/// Invariant: `value` is nil only when the source knows the name but not the value (Fly lists
/// secret names and digests, never values; Vercel hides sensitive values; a lock keeps a digest
/// for a secret). A placeholder is never a value.
public struct StagingVar: Sendable, Equatable {
    public var name: String
    public var value: String?
    /// The source itself says the value is secret (an SSM `SecureString`, every Fly secret,
    /// a Vercel sensitive variable).
    public var markedSecret: Bool
    /// The source's own digest of a value it does not show (Fly's): a change of it is a rotation.
    public var digest: String?

    public init(name: String, value: String?, markedSecret: Bool = false, digest: String? = nil) {
        self.name = name
        self.value = value
        self.markedSecret = markedSecret
        self.digest = digest
    }
}

/// Parses dotenv text into ordered pairs. Injected so the mirror library shares the one
/// dotenv parser of `Env/` (`{ try Dotenv.parse($0, file: path, lookup: …) }`).
public typealias DotenvParser = @Sendable (String) throws -> [(key: String, value: String)]

extension StagingSource {
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

    /// Parses what the source gave (file text, stdout, or the file a preset wrote) into variables.
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
        if case .preset(let name, _, _) = self {
            if status == nil { hint = name.installHint }
            if name == .render, status == 22 { hint = "Render answered with an HTTP error: check RENDER_API_KEY and the service id (srv-…)." }
        }
        return DevenvError("staging source \(label) \(what); nothing was changed", hint: hint, exitCode: .failure)
    }

    /// The command ran past `staging.timeout` and was stopped.
    public func timedOut(after seconds: Double) -> DevenvError {
        DevenvError("staging source \(label) did not finish within \(Self.seconds(seconds)) and was stopped; nothing was changed",
                    hint: "Check that its CLI is logged in and can reach the provider, or raise staging.timeout (seconds) in devenv.yml.",
                    exitCode: .failure)
    }

    /// The command printed more than the runner keeps.
    public func tooMuchOutput(limit: Int) -> DevenvError {
        DevenvError("staging source \(label) printed more than \(limit / (1024 * 1024)) MiB, more than devenv reads; nothing was changed",
                    hint: "Point it at one project, environment or service (its settings or args:), or export staging's config to a file and use file:.",
                    exitCode: .failure)
    }

    /// The CLI said it served a cached copy instead of staging's current config.
    public func servedCachedCopy() -> DevenvError {
        DevenvError("staging source \(label) could not reach the provider and served its cached copy instead; nothing was changed",
                    hint: "Check the network and that its CLI is logged in, then run again; `devenv mirror --from-lock` uses the committed lock on purpose.",
                    exitCode: .failure)
    }

    static func seconds(_ s: Double) -> String {
        s.rounded() == s ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }

    private func hint(for failure: StagingParse.Failure) -> String {
        switch self {
        case .preset(let name, _, _): return "Expected \(name.outputShape). Check that \(name.rawValue)'s CLI is logged in and up to date."
        default: return "Give `format: json`, `yaml` or `dotenv`, or make the source print a flat map of names to values."
        }
    }
}
