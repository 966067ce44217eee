import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif
import DevenvPlatform
import DevenvCore

/// Makes devenv's children die with devenv, however devenv ends — `kill -9` included.
///
/// How: the first time a child is started, devenv starts a guardian, a `/bin/sh` holding the
/// read end of a pipe whose only write end is devenv's (close-on-exec, so no child inherits
/// it). The guardian leads a process group of its own; every captured command (compose, git,
/// docker) is started in that group, from before its `exec`, so nothing is ever outside it.
/// When devenv ends, the kernel closes the pipe, the guardian reads end-of-file and kills its
/// whole group (`kill -s KILL 0`), grandchildren such as the compose plugin of `docker compose`
/// included. Interactive commands (`compose exec`, `logs -f`) must stay in the terminal's
/// process group, so they are named to the guardian by pid instead, and killed by pid.
///
/// The guardian may also hold a stack lock (`hold(_:)`): its standard output is the lock's
/// file, so the flock outlives a killed devenv until the guardian has killed the children —
/// the next `devenv up` cannot start while an orphaned compose still runs. The guardian is
/// started only when the first child is (a warm `up` that runs nothing starts nothing).
///
/// Why not `PR_SET_PDEATHSIG`: it needs code between fork and exec (posix_spawn has no hook;
/// a re-exec of the devenv binary as a shim costs a Swift start-up per child), it fires when
/// the *thread* that forked exits (Swift's thread pool retires idle threads), and macOS has no
/// such signal. A pipe's end-of-file is portable and needs one `sh` per devenv run.
public final class ChildGuard: Sendable {
    public static let shared = ChildGuard()

    /// The guardian's program: remembers named pids (`+PID` / `-PID` lines), and at end of
    /// input kills them (and the process group each leads, if any) and its own process group.
    /// Only the POSIX form `kill -s KILL -- -PGID` works in every `/bin/sh`: dash (Debian's and
    /// Ubuntu's) rejects `kill -KILL -- -PGID` ("Illegal number"); busybox complains about the
    /// `--` but signals the group; bash (macOS's `/bin/sh`) takes both.
    package static let script = """
        trap '' INT TERM HUP QUIT TSTP TTIN TTOU
        set --
        while read -r op pid; do
          case "$op" in
            +) set -- "$@" "$pid" ;;
            -) for p do shift; [ "$p" = "$pid" ] || set -- "$@" "$p"; done ;;
          esac
        done
        for p do kill -s KILL -- "-$p" 2>/dev/null; kill -s KILL "$p" 2>/dev/null; done
        kill -s KILL 0
        """

    private struct State {
        var guardian: pid_t?
        var writeEnd: Int32 = -1
        var starting: [CheckedContinuation<pid_t?, Never>]?
        var unavailable = false
        var pendingLock: FileLock?
        var adopted: Set<pid_t> = []
        var sent: Set<pid_t> = []

        /// Tells the guardian a line (the lock is held: lines never interleave).
        func write(_ line: String) {
            guard writeEnd >= 0 else { return }
            _ = line.utf8CString.withUnsafeBufferPointer { Posix.write(writeEnd, $0.baseAddress!, $0.count - 1) }
        }
    }
    private let state = Locked(State())

    package init() {}

    /// The process group captured children join (the guardian's pid), starting the guardian
    /// on first use; nil when it cannot be started (children then run as before).
    public func group() async -> pid_t? { await start(holding: state.with { $0.pendingLock }) }

    /// The guardian, when it starts, keeps `lock` held until devenv's children are dead.
    public func hold(_ lockFile: FileLock) { state.with { if $0.guardian == nil { $0.pendingLock = lockFile } } }

    /// Starts the guardian if it is not running yet; with `lock`, the guardian keeps that lock
    /// held until the children are dead when devenv is killed. (A guardian started earlier
    /// without the lock stays as it is.)
    @discardableResult
    public func start(holding lockFile: FileLock?) async -> pid_t? {
        let begin: Bool = state.with { s in
            if s.guardian != nil || s.unavailable || s.starting != nil { return false }
            s.starting = []
            return true
        }
        if !begin {
            if let pid = state.with({ $0.guardian }) { return pid }
            if state.with({ $0.unavailable }) { return nil }
            return await withCheckedContinuation { c in
                let ready: pid_t?? = state.with { s in
                    if s.starting != nil { s.starting!.append(c); return nil }
                    return .some(s.guardian)
                }
                if let r = ready { c.resume(returning: r) }
            }
        }
        let fd = lockFile?.descriptor ?? -1
        let pid = await launch(holding: fd >= 0 ? fd : nil)
        let waiting: [CheckedContinuation<pid_t?, Never>] = state.with { s in
            s.guardian = pid
            s.unavailable = pid == nil
            defer { s.starting = nil }
            return s.starting ?? []
        }
        for c in waiting { c.resume(returning: pid) }
        return pid
    }

    /// Names a child that is not in the guardian's group (an interactive one, kept in the
    /// terminal's group, or one started with Foundation's `Process`) to the guardian, which
    /// kills it by pid when devenv ends. Starts the guardian if needed (without waiting).
    public func register(_ pid: pid_t) {
        let running: Bool = state.with { $0.adopted.insert(pid); return $0.writeEnd >= 0 }
        if running { flush() } else { Task.detached { _ = await self.group(); self.flush() } }
    }

    /// The child ended: the guardian forgets it (its pid may be reused).
    public func unregister(_ pid: pid_t) {
        state.with { s in
            s.adopted.remove(pid)
            if s.sent.remove(pid) != nil { s.write("- \(pid)\n") }
        }
    }

    private func flush() {
        state.with { s in
            for pid in s.adopted.subtracting(s.sent) { s.write("+ \(pid)\n"); s.sent.insert(pid) }
        }
    }

    private func launch(holding lockFD: Int32?) async -> pid_t? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        signal(SIGPIPE, SIG_IGN) // a write to a dead guardian must not end devenv
        state.with { $0.writeEnd = fds[1] }
        let readEnd = fds[0]
        return await withCheckedContinuation { (c: CheckedContinuation<pid_t?, Never>) in
            Task.detached {
                var options = PlatformOptions()
                options.processGroupID = 0
                let once = Once(c)
                do {
                    let input: FileDescriptorInput = .fileDescriptor(FileDescriptor(rawValue: readEnd), closeAfterSpawningProcess: true)
                    if let lockFD {
                        _ = try await Subprocess.run(.path("/bin/sh"), arguments: ["-c", Self.script], platformOptions: options, input: input,
                                                     output: .fileDescriptor(FileDescriptor(rawValue: lockFD), closeAfterSpawningProcess: false),
                                                     error: .discarded) { execution in once.resume(execution.processIdentifier.value) }
                    } else {
                        _ = try await Subprocess.run(.path("/bin/sh"), arguments: ["-c", Self.script], platformOptions: options, input: input,
                                                     output: .discarded, error: .discarded) { execution in once.resume(execution.processIdentifier.value) }
                    }
                } catch {}
                once.resume(nil)
                self.state.with { $0.guardian = nil; $0.unavailable = true }
            }
        }
    }

    /// Resumes a continuation exactly once.
    package final class Once: Sendable {
        private let c: Locked<CheckedContinuation<pid_t?, Never>?>
        package init(_ c: CheckedContinuation<pid_t?, Never>) { self.c = Locked(c) }
        package func resume(_ v: pid_t?) {
            let taken: CheckedContinuation<pid_t?, Never>? = c.with { c in defer { c = nil }; return c }
            taken?.resume(returning: v)
        }
    }
}
