import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif
import DevenvPlatform
import DevenvCore

/// A command that could not be started by `exec`: not found (exit 127, as a shell says) or
/// not executable (126).
public struct ExecFailure: Error, CustomStringConvertible, Sendable {
    public var command: Command
    public var errno: Int32

    public var exitCode: Int32 { errno == ENOENT ? 127 : 126 }
    public var description: String {
        "cannot run `\(command.executable)`: \(String(cString: strerror(errno)))"
            + (errno == ENOENT && !command.executable.contains("/") ? " (not found on PATH)" : "")
    }
}

extension ProcessRunner {
    public func supervise(_ command: Command, started: @escaping @Sendable (Int32) -> Void,
                          line: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        let (executable, arguments, environment, workdir) = configuration(command)
        var options = PlatformOptions()
        options.processGroupID = 0   // a group of its own, led by the process
        do {
            let r = try await Subprocess.run(executable, arguments: arguments, environment: environment,
                                             workingDirectory: workdir, platformOptions: options,
                                             input: .none, output: .sequence, error: .combinedWithOutput) { execution in
                started(execution.processIdentifier.value)
                var splitter = LineSplitter()
                for try await buffer in execution.standardOutput {
                    let lines = buffer.withUnsafeBytes { splitter.feed($0) }
                    for l in lines { line(l) }
                }
                if let last = splitter.finish() { line(last) }
            }
            return Self.code(r.terminationStatus)
        } catch let e as SubprocessError {
            throw Self.launchError(command, e)
        }
    }

    public func exec(_ command: Command) throws -> Never {
        let exe = command.executable.contains("/") ? command.executable : (Self.resolve(command.executable) ?? command.executable)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in command.environment { env[k] = v }
        if let dir = command.workingDirectory, chdir(dir) != 0 { throw ExecFailure(command: command, errno: errno) }
        // The command gets the signals a shell would give it: default dispositions, nothing
        // blocked (devenv's own threads may block some).
        for sig in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2] { signal(sig, SIG_DFL) }
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        let argv = ([command.executable] + command.arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve(exe, argv, envp)
        let failed = errno
        for p in argv + envp { free(p) }
        throw ExecFailure(command: command, errno: failed)
    }
}

extension ProcessRunner {
    public func detach(_ command: Command, output: String) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let log = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw ExecFailure(command: command, errno: errno) }
        defer { close(log) }
        return try Self.spawn(command, stdin: nil, stdout: log, stderr: log, newProcessGroup: true)
    }
}
