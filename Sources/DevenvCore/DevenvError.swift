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
}
