import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif
import DevenvPlatform
import DevenvCore

/// What `stream` saw: the exit status, stdout up to the cap, and why it ended early, if it did.
public struct StreamedResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: [UInt8]
    /// stdout went past the cap: the bytes beyond it were read and dropped.
    public var truncated: Bool
    /// The command ran past its timeout and was stopped.
    public var timedOut: Bool
    /// A stderr line asked for the command to stop (`line` returned false).
    public var stopped: Bool

    public init(status: Int32, stdout: [UInt8], truncated: Bool = false, timedOut: Bool = false, stopped: Bool = false) {
        self.status = status; self.stdout = stdout; self.truncated = truncated; self.timedOut = timedOut; self.stopped = stopped
    }
}

extension ProcessRunner {
    /// Runs a command with stdin from /dev/null (never devenv's own), its stdout kept up to
    /// `stdoutLimit` bytes (the rest read and dropped, so the command never blocks on a full
    /// pipe), each stderr line handed to `line` as it arrives. `line` returning false, or the
    /// command's `timeout` passing, stops it (SIGTERM, then SIGKILL two seconds later). It runs
    /// in `ChildGuard`'s process group, so it dies with devenv.
    public func stream(_ command: Command, stdoutLimit: Int,
                       line: @escaping @Sendable (String) -> Bool) async throws -> StreamedResult {
        let (executable, arguments, environment, workdir) = configuration(command)
        var options = PlatformOptions()
        options.processGroupID = await ChildGuard.shared.group()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let expired = Locked(false)
        do {
            let r = try await Subprocess.run(executable, arguments: arguments, environment: environment,
                                             workingDirectory: workdir, platformOptions: options,
                                             input: .none, output: .sequence, error: .sequence) { execution in
                let timer = command.timeout.map { timeout in
                    Task {
                        try await Task.sleep(for: timeout)
                        expired.with { $0 = true }
                        try? execution.send(signal: .terminate)
                        try await Task.sleep(for: .seconds(2))
                        try? execution.send(signal: .kill)
                    }
                }
                defer { timer?.cancel() }
                async let collected = Self.collect(execution.standardOutput, limit: stdoutLimit)
                var splitter = LineSplitter()
                var stopped = false
                for try await buffer in execution.standardError {
                    for l in buffer.withUnsafeBytes({ splitter.feed($0) }) where !stopped && !line(l) {
                        stopped = true
                        try? execution.send(signal: .terminate)
                    }
                }
                if let last = splitter.finish(), !stopped { _ = line(last) }
                let (bytes, truncated) = try await collected
                return (bytes, truncated, stopped)
            }
            let (bytes, truncated, stopped) = r.closureResult
            return StreamedResult(status: Self.code(r.terminationStatus), stdout: bytes, truncated: truncated,
                                  timedOut: expired.value, stopped: stopped)
        } catch let e as SubprocessError {
            throw Self.launchError(command, e)
        }
    }

    private static func collect(_ sequence: SubprocessOutputSequence, limit: Int) async throws -> ([UInt8], Bool) {
        var bytes: [UInt8] = []
        var truncated = false
        for try await buffer in sequence {
            buffer.withUnsafeBytes { raw in
                let room = max(0, limit - bytes.count)
                if raw.count > room { truncated = true }
                bytes.append(contentsOf: raw.prefix(room))
            }
        }
        return (bytes, truncated)
    }
}
