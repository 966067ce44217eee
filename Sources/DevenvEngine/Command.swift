import Foundation
import DevenvCore
import DevenvPlatform

/// An external command as a value: built by pure functions, run by one runner, asserted on
/// in tests (swiftly's `ModeledCommandLine`).
public struct Command: Sendable, Equatable, CustomStringConvertible {
    public var executable: String
    public var arguments: [String]
    /// Variables added to the inherited environment.
    public var environment: [String: String]
    /// A file streamed to the command's standard input (never read whole into memory).
    public var stdinFile: String?
    public var workingDirectory: String?
    /// How long a captured run may take; past it the process is stopped (TERM, then KILL two
    /// seconds later) and `capture` throws `CommandTimedOut`. Nil: no limit.
    public var timeout: Duration?

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                stdinFile: String? = nil, workingDirectory: String? = nil, timeout: Duration? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.stdinFile = stdinFile
        self.workingDirectory = workingDirectory
        self.timeout = timeout
    }

    public var argv: [String] { [executable] + arguments }

    /// The command as a shell line, for messages (secret values are the caller's to mask).
    public var description: String {
        argv.map { arg in
            arg.isEmpty || arg.contains(where: { " \"'$\\|&;<>(){}*?!#~`".contains($0) })
                ? "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'" : arg
        }.joined(separator: " ") + (stdinFile.map { " < \($0)" } ?? "")
    }
}

/// What a captured run printed and how it ended.
public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status; self.stdout = stdout; self.stderr = stderr
    }
    public var succeeded: Bool { status == 0 }
}

/// A command that exited non-zero: carries the command, its status and its last error lines.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public var command: Command
    public var status: Int32
    public var stderr: String

    package init(command: Command, status: Int32, stderr: String) { self.command = command; self.status = status; self.stderr = stderr }

    public var description: String {
        let tail = stderr.split(separator: "\n", omittingEmptySubsequences: true).suffix(20).joined(separator: "\n")
        return "`\(command)` exited with status \(status)" + (tail.isEmpty ? "" : ":\n" + tail)
    }
}

/// A captured run that did not finish within its `timeout`; the process was stopped.
public struct CommandTimedOut: Error, Sendable {
    public var command: Command
    public var timeout: Duration
}

/// A captured run that printed more than the runner keeps (`limit` bytes on stdout or stderr);
/// the process was stopped.
public struct CommandOutputTooLarge: Error, Sendable {
    public var command: Command
    public var limit: Int
}
