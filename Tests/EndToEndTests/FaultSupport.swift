import Foundation
import Testing
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit
import CurrentPlatform

/// Helpers for the fault tests: a devenv run in the background that the test kills with
/// SIGKILL at a point it polls for, polling with deadlines (no sleeps as synchronisation),
/// and looks at the engine and the process table.
enum Fault {
    static let engine = EngineClient.from(environment: ProcessInfo.processInfo.environment)

    /// Polls `condition` every 10 ms until it holds (true) or the deadline passes (false).
    @discardableResult
    static func poll(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// `devenv ARGS` started in the background (output to files, stdin /dev/null).
    final class Run {
        let process = Process()
        let out: String, err: String

        init(_ p: ProjectFixture, _ args: [String], env: [String: String] = [:]) throws {
            out = NSTemporaryDirectory() + "devenv-fault-\(UUID().uuidString.prefix(8)).out"
            err = out.replacingOccurrences(of: ".out", with: ".err")
            FileManager.default.createFile(atPath: out, contents: nil)
            FileManager.default.createFile(atPath: err, contents: nil)
            process.executableURL = URL(fileURLWithPath: ProjectFixture.binary)
            process.arguments = args
            process.currentDirectoryURL = URL(fileURLWithPath: p.root)
            process.environment = ProcessInfo.processInfo.environment.merging(ProjectFixture.baseEnv.merging(env) { $1 }) { $1 }
            process.standardOutput = FileHandle(forWritingAtPath: out)
            process.standardError = FileHandle(forWritingAtPath: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            p.onTearDown { [process] in if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        }

        var running: Bool { process.isRunning }
        var pid: Int32 { process.processIdentifier }

        /// SIGKILL and wait; returns false when it had already ended by itself.
        @discardableResult
        func kill9() -> Bool {
            let was = process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return was && process.terminationReason == .uncaughtSignal
        }

        func wait() -> Int32 { process.waitUntilExit(); return process.terminationStatus }
        var stderr: String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }
        var stdout: String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
    }

    /// Every process's argv (from /proc), by pid.
    static func commandLines() -> [Int32: [String]] {
        var out: [Int32: [String]] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !data.isEmpty else { continue }
            out[pid] = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        return out
    }

    /// Pids of processes working on `stack` with compose (`--project-name STACK`).
    static func composeProcesses(stack: String) -> [Int32] {
        commandLines().filter { _, argv in
            zip(argv, argv.dropFirst()).contains { $0 == "--project-name" && $1 == stack }
        }.map(\.key)
    }

    static func containers(_ stack: String) -> [ContainerInfo] {
        (try? engine.containers(label: "dev.devenv.stack=\(stack)")) ?? []
    }

    static func volumes(label: String) -> [VolumeInfo] { (try? engine.volumes(label: label)) ?? [] }

    /// A small deterministic generator (SplitMix64), so random kill points repeat run to run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    static func mode(_ path: String) -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { return -1 }
        return Int(st.st_mode & 0o777)
    }

    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }
}

/// Figures the fault tests print for the closing note (runs, recoveries, bytes lost).
enum FaultFigures {
    static func report(_ line: String) {
        FileHandle.standardError.write(Data("fault figures: \(line)\n".utf8))
        let file = ProjectFixture.repoRoot + "/.build/fault-figures.txt"
        if let h = FileHandle(forWritingAtPath: file) ?? (FileManager.default.createFile(atPath: file, contents: nil) ? FileHandle(forWritingAtPath: file) : nil) {
            h.seekToEndOfFile(); h.write(Data("\(Date()) \(line)\n".utf8)); try? h.close()
        }
    }
}
