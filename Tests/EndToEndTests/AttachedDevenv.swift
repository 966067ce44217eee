import Foundation
import CurrentPlatform

/// `devenv` running in the background (`up --attach`), its output read as it arrives.
/// `waitFor` blocks on a condition until the text shows up or a deadline passes; nothing
/// sleeps. The process is killed on tear-down if a test left it running.
final class AttachedDevenv: @unchecked Sendable {
    private let process = Process()
    private let cond = NSCondition()
    private var out = ""
    private var err = ""
    private var exited = false
    private var eofs = 0
    /// Ended, and everything it wrote has been read.
    private var finished: Bool { exited && eofs == 2 }

    init(_ fixture: ProjectFixture, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: ProjectFixture.binary)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: fixture.root)
        process.environment = ProcessInfo.processInfo.environment.merging(ProjectFixture.baseEnv) { $1 }
        let o = Pipe(), e = Pipe()
        process.standardOutput = o
        process.standardError = e
        process.standardInput = FileHandle.nullDevice
        for (pipe, isOut) in [(o, true), (e, false)] {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
                let data = h.availableData
                guard let self else { return }
                self.cond.lock()
                if data.isEmpty { h.readabilityHandler = nil; self.eofs += 1 } else if isOut { self.out += String(decoding: data, as: UTF8.self) } else { self.err += String(decoding: data, as: UTF8.self) }
                self.cond.broadcast()
                self.cond.unlock()
            }
        }
        process.terminationHandler = { [weak self] _ in
            guard let self else { return }
            self.cond.lock(); self.exited = true; self.cond.broadcast(); self.cond.unlock()
        }
        try process.run()
        fixture.onTearDown { [weak self] in
            if let self, self.process.isRunning { kill(self.process.processIdentifier, SIGKILL); self.process.waitUntilExit() }
        }
    }

    var stdout: String { cond.lock(); defer { cond.unlock() }; return out }
    var stderr: String { cond.lock(); defer { cond.unlock() }; return err }

    /// Waits until stdout contains `text` after the first `from` bytes; returns the byte
    /// offset just after it, or nil at the deadline or when the process ended without it.
    @discardableResult
    func waitFor(_ text: String, after from: Int = 0, timeout: TimeInterval) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        let needle = Array(text.utf8)
        cond.lock(); defer { cond.unlock() }
        while true {
            let hay = Array(out.utf8)
            if hay.count >= needle.count, from <= hay.count - needle.count {
                for i in from...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            }
            if finished || !cond.wait(until: deadline) { return nil }
        }
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to end; nil if it is still running at the deadline.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        while !finished, cond.wait(until: deadline) {}
        let done = finished
        cond.unlock()
        guard done else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
