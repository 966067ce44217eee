import Foundation
import DevenvCore
import DevenvEngine

/// A stack's lock, held for one piece of work: the one place devenv takes a stack lock. A
/// second devenv working on the stack waits for it, saying so once (nothing when `quiet`:
/// `up --json`); the child guard holds the lock too (`ChildGuard.hold`), so a devenv killed
/// meanwhile keeps it until its children are dead; it is released on every path out of `body`.
/// `StackSession` takes it for the project's stack; `gc`, `down --all` and a branch's copy (its
/// parent's lock) take it for a stack the registry names.
public enum StackLock {
    /// What a devenv says while it waits for another one (MCP recognises it).
    public static func waitingMessage(_ stack: String) -> String { "waiting for another devenv working on stack '\(stack)'…" }

    /// Runs `body` holding the lock of `stack`.
    public static func with<T>(_ ctx: DevenvContext, stack: String, quiet: Bool = false, _ body: () throws -> T) throws -> T {
        let lock = try acquire(ctx, stack: stack, quiet: quiet)
        defer { release(lock) }
        return try body()
    }

    /// Runs `body` holding the lock of `stack`.
    public static func with<T>(_ ctx: DevenvContext, stack: String, quiet: Bool = false, _ body: () async throws -> T) async throws -> T {
        let lock = try acquire(ctx, stack: stack, quiet: quiet)
        defer { release(lock) }
        return try await body()
    }

    /// Runs `body` holding the lock of `stack` if no other devenv holds it; nil at once when
    /// one does (work that can wait for a later run: pruning a parent's unused bases).
    public static func ifFree<T>(_ ctx: DevenvContext, stack: String, _ body: () async throws -> T) async throws -> T? {
        guard let lock = try FileLock.tryAcquire(ctx.paths.stackLock(stack)) else { return nil }
        ChildGuard.shared.hold(lock)
        defer { release(lock) }
        return try await body()
    }

    /// Whether another devenv holds the lock of `stack` right now (taking it for a moment).
    public static func isBusy(_ ctx: DevenvContext, stack: String) -> Bool {
        guard FileManager.default.fileExists(atPath: ctx.paths.stackLock(stack)) else { return false }
        guard let lock = try? FileLock.tryAcquire(ctx.paths.stackLock(stack)) else { return true }
        lock.unlock()
        return false
    }

    static func acquire(_ ctx: DevenvContext, stack: String, quiet: Bool) throws -> FileLock {
        let lock = try FileLock.acquire(ctx.paths.stackLock(stack)) { if !quiet { ctx.output.error(waitingMessage(stack)) } }
        ChildGuard.shared.hold(lock)
        return lock
    }

    static func release(_ lock: FileLock) {
        ChildGuard.shared.release(lock)
        lock.unlock()
    }
}
