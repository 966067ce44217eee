import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif
import DevenvPlatform
import DevenvCore

/// Runs `Command` values. The real one spawns processes; tests substitute a recorder.
public protocol ProcessRunning: Sendable {
    /// Runs to completion, capturing stdout and stderr.
    func capture(_ command: Command) async throws -> CommandResult
    /// Runs with the terminal's stdin/stdout/stderr (interactive: `compose exec`, `logs -f`).
    func attach(_ command: Command) async throws -> Int32
    /// Runs a long-lived process (an app's dev server) in a process group of its own, so the
    /// whole tree it starts can be signalled at once (`kill(-pid, …)`). `started` gets its pid
    /// (= its process group); its output, stdout and stderr together, arrives line by line.
    /// Returns its exit status (128 + signal when killed).
    func supervise(_ command: Command, started: @escaping @Sendable (Int32) -> Void,
                   line: @escaping @Sendable (String) -> Void) async throws -> Int32
    /// Replaces devenv with the command (`devenv run`): same pid, terminal, stdin and signals.
    /// Returns only by throwing `ExecFailure` when the command cannot start.
    func exec(_ command: Command) throws -> Never
    /// Starts a command that outlives devenv (the background supervisor of `up --detach`):
    /// stdin from /dev/null, stdout and stderr appended to `output`, its own process group,
    /// no descriptor of devenv's inherited. Returns its pid without waiting (the command's
    /// `workingDirectory` is not applied: pass the folder as an argument).
    func detach(_ command: Command, output: String) throws -> Int32
}

extension ProcessRunning {
    public func supervise(_ command: Command, started: @escaping @Sendable (Int32) -> Void,
                          line: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        throw DevenvError("this runner cannot supervise `\(command.executable)`")
    }
    public func exec(_ command: Command) throws -> Never { throw ExecFailure(command: command, errno: ENOSYS) }
    public func detach(_ command: Command, output: String) throws -> Int32 {
        throw DevenvError("this runner cannot start `\(command.executable)` in the background")
    }

    /// Captures and throws `CommandFailure` on a non-zero exit.
    @discardableResult
    public func check(_ command: Command) async throws -> CommandResult {
        let r = try await capture(command)
        guard r.succeeded else { throw CommandFailure(command: command, status: r.status, stderr: r.stderr.isEmpty ? r.stdout : r.stderr) }
        return r
    }
}

/// The runner used by the binary: swift-subprocess underneath.
public struct ProcessRunner: ProcessRunning {
    public init() {}

    package static let captureLimit = 64 * 1024 * 1024

    /// Captured commands run in `ChildGuard`'s process group (they die with devenv, even on
    /// `kill -9`); attached ones stay in the terminal's group and are named to it by pid.
    public func capture(_ command: Command) async throws -> CommandResult {
        guard let timeout = command.timeout else { return try await run(command) }
        return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask { try await run(command) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }   // cancelling the run stops the process (Subprocess's teardown)
            guard let first = try await group.next(), let result = first else {
                throw CommandTimedOut(command: command, timeout: timeout)
            }
            return result
        }
    }

    private func run(_ command: Command) async throws -> CommandResult {
        let (executable, arguments, environment, workdir) = configuration(command)
        var options = PlatformOptions()
        options.processGroupID = await ChildGuard.shared.group()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        do {
            if let file = command.stdinFile {
                let fd = try FileDescriptor.open(FilePath(file), .readOnly)
                let r = try await Subprocess.run(executable, arguments: arguments, environment: environment,
                                                 workingDirectory: workdir, platformOptions: options,
                                                 input: .fileDescriptor(fd, closeAfterSpawningProcess: true),
                                                 output: .bytes(limit: Self.captureLimit), error: .bytes(limit: Self.captureLimit))
                return Self.result(r.terminationStatus, r.standardOutput, r.standardError)
            }
            let r = try await Subprocess.run(executable, arguments: arguments, environment: environment,
                                             workingDirectory: workdir, platformOptions: options,
                                             output: .bytes(limit: Self.captureLimit), error: .bytes(limit: Self.captureLimit))
            return Self.result(r.terminationStatus, r.standardOutput, r.standardError)
        } catch let e as SubprocessError where e.code == .outputLimitExceeded {
            throw CommandOutputTooLarge(command: command, limit: Self.captureLimit)
        } catch let e as SubprocessError {
            throw Self.launchError(command, e)
        }
    }

    public func attach(_ command: Command) async throws -> Int32 {
        let (executable, arguments, environment, workdir) = configuration(command)
        let guardian = ChildGuard.shared
        _ = await guardian.group()
        do {
            let r = try await Subprocess.run(executable, arguments: arguments, environment: environment,
                                             workingDirectory: workdir, input: .currentStandardInput,
                                             output: .currentStandardOutput, error: .currentStandardError) { execution in
                guardian.register(execution.processIdentifier.value)
            }
            guardian.unregister(r.processIdentifier.value)
            return Self.code(r.terminationStatus)
        } catch let e as SubprocessError {
            throw Self.launchError(command, e)
        }
    }

    package func configuration(_ c: Command) -> (Executable, Arguments, Environment, FilePath?) {
        let exe: Executable = c.executable.contains("/") ? .path(FilePath(c.executable))
            : Self.resolve(c.executable).map { .path(FilePath($0)) } ?? .name(c.executable)
        var env: Environment = .inherit
        if !c.environment.isEmpty {
            env = .inherit.updating(Dictionary(uniqueKeysWithValues: c.environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) }))
        }
        return (exe, Arguments(c.arguments), env, c.workingDirectory.map { FilePath($0) })
    }

    /// Finds a program on PATH in-process (one `access` per entry) instead of letting the
    /// spawner try every entry; cached for the life of the process.
    package static func resolve(_ name: String) -> String? {
        resolvedLock.lock(); defer { resolvedLock.unlock() }
        if let hit = resolved[name] { return hit }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let found: String? = path.split(separator: ":").map { String($0) + "/" + name }.first { (candidate: String) in access(candidate, X_OK) == 0 }
        resolved[name] = found
        return found
    }
    nonisolated(unsafe) static var resolved: [String: String] = [:]
    package static let resolvedLock = NSLock()

    /// Captured as bytes and decoded here (invalid UTF-8 repaired, as Subprocess's string output
    /// does): Subprocess's own string conversion goes byte by byte through a lazy sequence and
    /// costs most of a run that captures megabytes (a staging config of 50,000 keys).
    package static func result(_ status: TerminationStatus, _ stdout: [UInt8], _ stderr: [UInt8]) -> CommandResult {
        CommandResult(status: code(status), stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    package static func code(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return Int32(code)
        case .signaled(let sig): return 128 + Int32(sig)
        }
    }

    package static func launchError(_ c: Command, _ e: SubprocessError) -> DevenvError {
        DevenvError("cannot run `\(c.executable)`: \(e)",
                    hint: c.executable == "docker" ? "Install the Docker CLI (Debian: apt-get install docker.io) and make sure `docker` is on PATH." : nil)
    }
}
