import Foundation

/// A value shared between threads, behind a lock.
///
/// The project's one unchecked `Sendable` conformance (like the standard library's `Mutex`, which needs
/// macOS 15): the compiler cannot see that a lock guards `storage`, but every read and write
/// of it goes through `value` or `with`, which hold the lock. A class whose mutable state all
/// lives in `Locked` fields (and `let`s of Sendable types) is then checked `Sendable` itself.
public final class Locked<T>: @unchecked Sendable {
    private var storage: T
    private let lock = NSLock()
    public init(_ value: T) { self.storage = value }
    public var value: T { lock.lock(); defer { lock.unlock() }; return storage }
    public func with<R>(_ body: (inout T) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&storage)
    }
}
