import Foundation
import DevenvPlatform
import DevenvCore

/// The runner's synchronous half, for the Engine API's transports (which are synchronous,
/// like its socket reads): a `Command` whose stdin and stdout are one end of a socket pair
/// (`docker system dial-stdio`, `ssh … docker system dial-stdio`), and a blocking run with a
/// deadline (starting and asking an ssh control master). Children get default signal
/// handling and no descriptor of devenv's but their three.
extension ProcessRunner {
    /// A running command connected to `connection`: what is sent is its stdin, what it prints
    /// is received. `close()` ends it (SIGKILL after a grace) and reaps it. Like the
    /// ``SocketConnection`` it wraps, it serves one request on one thread: not `Sendable`.
    public final class Stream {
        public let connection: SocketConnection
        public let pid: pid_t
        private var errFD: Int32
        private var reaped = false

        package init(connection: SocketConnection, pid: pid_t, errFD: Int32) {
            self.connection = connection; self.pid = pid; self.errFD = errFD
        }

        /// Sends to the command's stdin; a command that already ended says why.
        public func send(_ text: String) throws {
            do { try connection.send(text) } catch { throw SocketConnection.Failure(description: ended(otherwise: "\(error)")) }
        }

        /// Everything the command prints until it ends. A command that ends before reading all
        /// it was sent resets the socket: what arrived before counts; nothing at all is an error
        /// carrying the command's last error line.
        public func receiveAll() throws -> [UInt8] {
            var out: [UInt8] = []
            while true {
                let chunk: [UInt8]
                do { chunk = try connection.receive() } catch {
                    if !out.isEmpty { return out }
                    throw SocketConnection.Failure(description: ended(otherwise: "\(error)"))
                }
                if chunk.isEmpty {
                    if out.isEmpty { throw SocketConnection.Failure(description: ended(otherwise: "no reply")) }
                    return out
                }
                out += chunk
            }
        }

        /// The command's last error line once it has ended (waited for briefly), else `otherwise`.
        package func ended(otherwise: String) -> String {
            if !reaped { reaped = true; _ = ProcessRunner.reap(pid, deadline: Date().addingTimeInterval(1)) }
            let err = String(decoding: ProcessRunner.drain(errFD, until: Date()), as: UTF8.self)
            return err.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? otherwise
        }

        public func close(grace: TimeInterval = 1) {
            connection.close()
            if !reaped {
                reaped = true
                _ = ProcessRunner.reap(pid, deadline: Date().addingTimeInterval(grace))
            }
            if errFD >= 0 { _ = Posix.close(errFD); errFD = -1 }
        }

        deinit { close(grace: 0) }
    }

    /// Starts `command` with stdin and stdout on a socket (its stderr kept for messages).
    public static func openStream(_ command: Command, timeout: TimeInterval) throws -> Stream {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Posix.streamSocket, 0, &pair) == 0 else { throw spawnFailure(command, errno) }
        var err: [Int32] = [-1, -1]
        guard pipe(&err) == 0 else { _ = Posix.close(pair[0]); _ = Posix.close(pair[1]); throw spawnFailure(command, errno) }
        for fd in pair + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { _ = Posix.close(pair[1]); _ = Posix.close(err[1]) }
        let pid: pid_t
        do { pid = try spawn(command, stdin: pair[1], stdout: pair[1], stderr: err[1]) } catch {
            _ = Posix.close(pair[0]); _ = Posix.close(err[0]); throw error
        }
        return Stream(connection: SocketConnection.adopt(fd: pair[0], timeout: timeout), pid: pid, errFD: err[0])
    }

    /// Runs `command` to its end with stdin on /dev/null, capturing stdout and stderr; after
    /// `timeout` it is killed and reported as status 124 (like `timeout(1)`).
    public static func runBlocking(_ command: Command, timeout: TimeInterval) throws -> CommandResult {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw spawnFailure(command, errno) }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do { pid = try spawn(command, stdin: nil, stdout: out[1], stderr: err[1]) } catch {
            for fd in out + err { _ = Posix.close(fd) }
            throw error
        }
        _ = Posix.close(out[1]); _ = Posix.close(err[1])
        let deadline = Date().addingTimeInterval(timeout)
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var open: [Int32] = [out[0], err[0]]
        while !open.isEmpty, Date() < deadline {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = Int32(max(1, min(200, deadline.timeIntervalSinceNow * 1000)))
            guard poll(&fds, nfds_t(fds.count), wait) >= 0 || errno == EINTR else { break }
            for p in fds where p.revents != 0 {
                var buf = [UInt8](repeating: 0, count: 16384)
                let n = read(p.fd, &buf, buf.count)
                if n > 0 { if p.fd == out[0] { stdout += buf[0..<n] } else { stderr += buf[0..<n] } }
                else if n == 0 || (errno != EINTR && errno != EAGAIN) { open.removeAll { $0 == p.fd } }
            }
        }
        let timedOut = !open.isEmpty
        for fd in [out[0], err[0]] { _ = Posix.close(fd) }
        let status = timedOut ? { kill(pid, SIGKILL); _ = reap(pid, deadline: Date().addingTimeInterval(1)); return Int32(124) }()
                              : reap(pid, deadline: Date().addingTimeInterval(max(1, deadline.timeIntervalSinceNow)))
        return CommandResult(status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Waits for `pid` until `deadline`, then SIGKILLs it; its exit status (128+signal when killed).
    package static func reap(_ pid: pid_t, deadline: Date) -> Int32 {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return -1 }
            if Date() >= deadline { kill(pid, SIGKILL); _ = waitpid(pid, &status, 0); break }
            usleep(2000)
        }
        let sig = status & 0x7f
        return sig == 0 ? (status >> 8) & 0xff : 128 + sig
    }

    /// Non-blocking read of what `fd` holds.
    package static func drain(_ fd: Int32, until: Date) -> [UInt8] {
        var out: [UInt8] = []
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 0) > 0 {
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    package static func spawnFailure(_ c: Command, _ code: Int32) -> DevenvError {
        DevenvError("cannot run `\(c.executable)`: \(String(cString: strerror(code)))",
                    hint: c.executable == "ssh" ? "Install the OpenSSH client (Debian: apt-get install openssh-client)." :
                        c.executable == "docker" ? "Install the Docker CLI (Debian: apt-get install docker.io) and make sure `docker` is on PATH." : nil)
    }

    /// posix_spawn with the three descriptors given (nil: /dev/null), every other one closed,
    /// default signal dispositions, the inherited environment plus the command's;
    /// `newProcessGroup` makes the child lead a group of its own (a detached supervisor).
    package static func spawn(_ c: Command, stdin: Int32?, stdout: Int32, stderr: Int32, newProcessGroup: Bool = false) throws -> pid_t {
        guard let path = c.executable.contains("/") ? c.executable : resolve(c.executable) else { throw spawnFailure(c, ENOENT) }
        var actions = Posix.spawnFileActions()
        var attr = Posix.spawnAttributes()
        posix_spawn_file_actions_init(&actions); defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attr); defer { posix_spawnattr_destroy(&attr) }
        if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) }
        else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attr, 0)
        }
        Posix.closeFrom(&actions, 3, flags: &flags)
        var defaults = sigset_t(); sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, s) }
        var mask = sigset_t(); sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &mask)
        posix_spawnattr_setflags(&attr, Int16(flags))
        var env = ProcessInfo.processInfo.environment
        for (k, v) in c.environment { env[k] = v }
        let argv = ([path] + c.arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
        guard rc == 0 else { throw spawnFailure(c, rc) }
        return pid
    }

}
