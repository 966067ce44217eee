import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Runs a `Command` and hands over its stdout and stderr line by line as they arrive
/// (Foundation `Process` with pipes; the callbacks run on dispatch threads, never on the
/// Swift concurrency pool). `onExit` runs once, after both pipes are drained.
public final class LogFollower: Sendable {
    private let process = Process()
    /// Pipes still open, and the exit status once the process has ended.
    private let ends = Locked<(open: Int, exitStatus: Int32?)>((2, nil))
    private let onLine: @Sendable (String) -> Void
    private let onExit: @Sendable (Int32) -> Void

    public init(_ command: Command, onLine: @escaping @Sendable (String) -> Void, onExit: @escaping @Sendable (Int32) -> Void) {
        self.onLine = onLine
        self.onExit = onExit
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command.argv
        if !command.environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(command.environment) { $1 }
        }
        if let dir = command.workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: dir) }
        process.standardInput = FileHandle.nullDevice
    }

    /// Starts the process; throws when it cannot be launched.
    public func start() throws {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        for pipe in [out, err] {
            let splitter = Locked(LineSplitter())
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                guard let self else { return }
                let data = handle.availableData
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    if let last = splitter.with({ $0.finish() }) { self.onLine(last) }
                    self.closed(pipe: true, status: nil)
                    return
                }
                for line in splitter.with({ $0.feed(data) }) { self.onLine(line) }
            }
        }
        process.terminationHandler = { [weak self] p in
            ChildGuard.shared.unregister(p.processIdentifier)
            self?.closed(pipe: false, status: p.terminationStatus)
        }
        try process.run()
        if process.isRunning {   // dies with devenv, even on kill -9
            ChildGuard.shared.register(process.processIdentifier)
            // Ended in between: its termination handler may have run before the register, so the
            // guardian must not keep a pid that may be reused by an unrelated process.
            if !process.isRunning { ChildGuard.shared.unregister(process.processIdentifier) }
        }
    }

    /// Ends the process at once (its only state is a read position).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
    }

    public var isRunning: Bool { process.isRunning }

    private func closed(pipe: Bool, status: Int32?) {
        let (done, code): (Bool, Int32) = ends.with { e in
            if pipe { e.open -= 1 } else { e.exitStatus = status }
            let done = e.open == 0 && e.exitStatus != nil
            if done { e.open = -1 }
            return (done, e.exitStatus ?? 0)
        }
        if done { onExit(code) }
    }
}
