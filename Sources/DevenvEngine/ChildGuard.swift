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
/// The guardian also holds the stack locks devenv holds (`hold(_:)`, every `StackLock`): its
/// standard output is the first lock's file, so the flock outlives a killed devenv until the
/// guardian has killed the children — the next `devenv up` cannot start while an orphaned
/// compose still runs. A lock taken once the guardian runs (`gc` and `down --all` lock one stack
/// after another; a branch's `up` takes its parent's lock for the copy) cannot become its
/// output: a holder joins the guardian's group for it, a `/bin/sh` whose output is that lock's
/// file, which lets go when the lock is released (`release(_:)`) and otherwise waits to die with
/// the group. The guardian is started only when the first child is (a warm `up` that runs
/// nothing starts nothing), and a holder only when a child starts while its lock is held.
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
        /// The locks to keep held until the children are dead, in the order taken, with what holds each.
        var locks: [(lock: FileLock, holder: Holder?)] = []
        /// Holders being started; the callers of `group()` meanwhile wait here.
        var attaching: [CheckedContinuation<Void, Never>]?
        var adopted: Set<pid_t> = []
        var sent: Set<pid_t> = []

        /// Tells the guardian a line (the lock is held: lines never interleave).
        func write(_ line: String) { Self.write(line, to: writeEnd) }

        static func write(_ line: String, to fd: Int32) {
            guard fd >= 0 else { return }
            _ = line.utf8CString.withUnsafeBufferPointer { Posix.write(fd, $0.baseAddress!, $0.count - 1) }
        }

        /// A descriptor of its own on the open file of the first lock no process holds yet
        /// (close-on-exec), that lock marked as held by `holder`; nil when there is none.
        mutating func takeUnheld(for holder: Holder) -> (ObjectIdentifier, Int32)? {
            while let i = locks.firstIndex(where: { $0.holder == nil }) {
                let lock = locks[i].lock
                let fd = lock.descriptor >= 0 ? fcntl(lock.descriptor, F_DUPFD_CLOEXEC, 0) : -1
                locks[i].holder = fd >= 0 ? holder : .nobody
                if fd >= 0 { return (ObjectIdentifier(lock), fd) }
            }
            return nil
        }
    }

    /// What holds a lock for the children: the guardian (its output), a holder (the write end of
    /// its input), one being started, or nothing can (no guardian).
    enum Holder: Equatable { case guardian, starting, holder(Int32), nobody }

    /// A holder's program: its output is a lock's file. A line on its input lets the lock go;
    /// the end of its input (devenv is gone) leaves it holding the lock until the guardian
    /// kills its group, the children with it.
    package static let holderScript = """
        trap '' INT TERM HUP QUIT TSTP TTIN TTOU
        read -r _ && exit 0
        exec sleep 2147483647
        """
    private let state = Locked(State())

    package init() {}

    /// The process group captured children join (the guardian's pid), starting the guardian
    /// on first use, and a holder for each lock held since it started; nil when it cannot be
    /// started (children then run as before).
    public func group() async -> pid_t? {
        guard let pid = await start() else { return nil }
        await attachHolders(group: pid)
        return pid
    }

    /// Keeps `lock` held until devenv's children are dead, should devenv be killed before
    /// `release(_:)`: by the guardian when it starts, else by a holder started with the next child.
    public func hold(_ lockFile: FileLock) {
        state.with { s in if !s.locks.contains(where: { $0.lock === lockFile }) { s.locks.append((lockFile, nil)) } }
    }

    /// `lock` is about to be unlocked: its holder, if it has one, lets go and ends. (The
    /// guardian keeps the file open; unlocking releases the flock for every copy.)
    public func release(_ lockFile: FileLock) {
        state.with { s in
            guard let i = s.locks.firstIndex(where: { $0.lock === lockFile }) else { return }
            if case .holder(let input)? = s.locks[i].holder { Self.letGo(input) }
            s.locks.remove(at: i)
        }
    }

    /// Tells a holder to let its lock go.
    private static func letGo(_ input: Int32) {
        State.write("release\n", to: input)
        close(input)
    }

    /// Starts the guardian if it is not running yet, holding the first lock held (a guardian
    /// started earlier stays as it is; `attachHolders` holds the locks taken since).
    private func start() async -> pid_t? {
        let begin: (ObjectIdentifier, Int32)?? = state.with { s in
            if s.guardian != nil || s.unavailable || s.starting != nil { return nil }
            s.starting = []
            return .some(s.takeUnheld(for: .guardian))
        }
        guard let begin else {
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
        let pid = await launch(holding: begin?.1)
        let waiting: [CheckedContinuation<pid_t?, Never>] = state.with { s in
            s.guardian = pid
            s.unavailable = pid == nil
            defer { s.starting = nil }
            return s.starting ?? []
        }
        for c in waiting { c.resume(returning: pid) }
        return pid
    }

    /// Starts a holder in the guardian's group for each lock no process holds yet, before the
    /// child that asked for the group starts; callers arriving meanwhile wait for them.
    private func attachHolders(group: pid_t) async {
        while true {
            let next: (todo: [(ObjectIdentifier, Int32)], wait: Bool) = state.with { s in
                if s.attaching != nil { return ([], true) }
                var todo: [(ObjectIdentifier, Int32)] = []
                while let t = s.takeUnheld(for: .starting) { todo.append(t) }
                if !todo.isEmpty { s.attaching = [] }
                return (todo, false)
            }
            if next.wait {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let done: Bool = state.with { s in
                        if s.attaching != nil { s.attaching!.append(c); return false }
                        return true
                    }
                    if done { c.resume() }
                }
                continue
            }
            guard !next.todo.isEmpty else { return }
            for (id, fd) in next.todo {
                let input = await launchHolder(lockFD: fd, group: group)
                state.with { s in
                    if let i = s.locks.firstIndex(where: { ObjectIdentifier($0.lock) == id }) {
                        s.locks[i].holder = input.map { .holder($0) } ?? .nobody
                    } else if let input {
                        Self.letGo(input)   // released while its holder started
                    }
                }
            }
            let waiting = state.with { s in defer { s.attaching = nil }; return s.attaching ?? [] }
            for c in waiting { c.resume() }
            return
        }
    }

    /// Starts a holder in process group `group` whose output is `lockFD` (closed here); the
    /// write end of its input, nil when it could not start.
    private func launchHolder(lockFD: Int32, group: pid_t) async -> Int32? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { close(lockFD); return nil }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let readEnd = fds[0]
        let started = await withCheckedContinuation { (c: CheckedContinuation<pid_t?, Never>) in
            Task.detached {
                var options = PlatformOptions()
                options.processGroupID = group
                let once = Once(c)
                do {
                    _ = try await Subprocess.run(.path("/bin/sh"), arguments: ["-c", Self.holderScript], platformOptions: options,
                                                 input: .fileDescriptor(FileDescriptor(rawValue: readEnd), closeAfterSpawningProcess: true),
                                                 output: .fileDescriptor(FileDescriptor(rawValue: lockFD), closeAfterSpawningProcess: true),
                                                 error: .discarded) { execution in once.resume(execution.processIdentifier.value) }
                } catch {}
                once.resume(nil)
            }
        }
        guard started != nil else { close(fds[1]); return nil }
        return fds[1]
    }

    /// Closes the guardian's input, as devenv's end does: it kills its group. For tests, whose
    /// own guards must not outlive them.
    package func end() { state.with { s in if s.writeEnd >= 0 { close(s.writeEnd); s.writeEnd = -1 } } }

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
                                                     output: .fileDescriptor(FileDescriptor(rawValue: lockFD), closeAfterSpawningProcess: true),
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
