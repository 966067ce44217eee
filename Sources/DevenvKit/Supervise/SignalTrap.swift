import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Catches SIGINT and SIGTERM so `up --attach` can stop the stack before it exits: the
/// default handlers are replaced by `SIG_IGN` and each signal is delivered to a dispatch
/// source instead. `release()` puts the default handlers back.
public final class SignalTrap: @unchecked Sendable {
    private let lock = NSLock()
    private var caught: Int32?
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]

    public init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        self.signals = signals
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.record(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    public var received: Int32? {
        lock.lock(); defer { lock.unlock() }
        return caught
    }

    public func release() {
        for s in sources { s.cancel() }
        sources.removeAll()
        for sig in signals { signal(sig, SIG_DFL) }
    }

    private func record(_ sig: Int32) {
        lock.lock(); defer { lock.unlock() }
        if caught == nil { caught = sig }
    }

    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(sig)"
        }
    }
}
