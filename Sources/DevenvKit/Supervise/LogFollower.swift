import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Runs a `Command` and hands over its stdout and stderr line by line as they arrive
/// (Foundation `Process` with pipes; the callbacks run on dispatch threads, never on the
/// Swift concurrency pool). `onExit` runs once, after both pipes are drained.
public final class LogFollower: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var open = 2
    private var exitStatus: Int32?
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
            let splitter = SplitterBox()
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                guard let self else { return }
                let data = handle.availableData
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    if let last = splitter.value.finish() { self.onLine(last) }
                    self.closed(pipe: true, status: nil)
                    return
                }
                for line in splitter.value.feed(data) { self.onLine(line) }
            }
        }
        process.terminationHandler = { [weak self] p in
            ChildGuard.shared.unregister(p.processIdentifier)
            self?.closed(pipe: false, status: p.terminationStatus)
        }
        try process.run()
        if process.isRunning { ChildGuard.shared.register(process.processIdentifier) }   // dies with devenv, even on kill -9
    }

    /// Ends the process at once (its only state is a read position).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
    }

    public var isRunning: Bool { process.isRunning }

    private func closed(pipe: Bool, status: Int32?) {
        lock.lock()
        if pipe { open -= 1 } else { exitStatus = status }
        let done = open == 0 && exitStatus != nil
        let code = exitStatus ?? 0
        if done { open = -1 }
        lock.unlock()
        if done { onExit(code) }
    }
}

/// A pipe's splitter: its readability handler is called for one chunk at a time.
private final class SplitterBox: @unchecked Sendable {
    var value = LineSplitter()
}
