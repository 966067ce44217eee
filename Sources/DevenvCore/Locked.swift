import Foundation

/// A value shared between threads, behind a lock.
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
