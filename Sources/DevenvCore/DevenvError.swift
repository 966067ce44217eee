import Foundation

/// The exit codes of the machine interface (DESIGN: "Machine interface").
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
    case portConflict = 3
    case engineUnavailable = 4
}

/// An error a user can act on: a message, what to do next, and the exit code it maps to.
///
/// Every failure that reaches the command line is one of these; anything else is a bug
/// and is reported as a failure without a stack trace.
public struct DevenvError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var hint: String?
    public var exitCode: ExitCode
    /// Extra lines shown after the message (log tails, a list of problems).
    public var details: [String]

    public init(_ message: String, hint: String? = nil, exitCode: ExitCode = .failure, details: [String] = []) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
        self.details = details
    }

    public var description: String {
        var lines = [message]
        lines += details
        if let hint { lines.append(hint) }
        return lines.joined(separator: "\n")
    }

    public static func usage(_ message: String, hint: String? = nil) -> DevenvError {
        DevenvError(message, hint: hint, exitCode: .usage)
    }

    /// The hint the command line prints: the error's own, else where to look next for its
    /// exit code, so every error carries one.
    public var shownHint: String { hint ?? Self.fallbackHint(exitCode) }

    /// Where to look next, by exit code, for an error that names no fix of its own.
    public static func fallbackHint(_ code: ExitCode) -> String {
        switch code {
        case .usage: return "See `devenv help COMMAND` for the command's options and examples, and the README for devenv.yml."
        case .portConflict: return "`devenv ports` names who holds each port and how to free it."
        case .engineUnavailable: return "`devenv doctor` names every engine it tried and how to start one."
        case .success, .failure: return "`devenv doctor` checks the engine and this machine; `devenv status` and `devenv logs` show the stack."
        }
    }
}
