import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Catches SIGINT and SIGTERM so `up --attach` can stop the stack before it exits: the
/// default handlers are replaced by `SIG_IGN` and each signal is delivered to a dispatch
/// source instead. `release()` puts the default handlers back.
public final class SignalTrap: Sendable {
    /// The first signal received.
    private let caught = Locked<Int32?>(nil)
    private let sources = Locked<[DispatchSourceSignal]>([])
    private let signals: [Int32]

    public init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        self.signals = signals
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [caught] in caught.with { if $0 == nil { $0 = sig } } }
            source.resume()
            sources.with { $0.append(source) }
        }
    }

    /// The first signal received, if any.
    public var received: Int32? {
        caught.value
    }

    public func release() {
        for s in sources.with({ s in defer { s.removeAll() }; return s }) { s.cancel() }
        for sig in signals { signal(sig, SIG_DFL) }
    }

    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(sig)"
        }
    }
}
