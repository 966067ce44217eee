import DevenvCore

/// Counts the services whose data is in place and calls `whenAll` once, when all are while a
/// layered service's rotation still runs (something for `up`'s `compose create` to run beside;
/// with nothing left to run beside, `compose up` creates the containers itself, one compose
/// run fewer).
final class Arrivals: Sendable {
    private let state: Locked<(left: Set<String>, rotating: Int, fired: Bool)>
    private let whenAll: @Sendable ([String]) -> Void
    private let services: [String]

    init(_ services: [String], whenAll: @escaping @Sendable ([String]) -> Void) {
        self.services = services; self.whenAll = whenAll
        state = Locked((Set(services), 0, false))
    }

    var fired: Bool { state.value.fired }

    /// `rotating`: their rotation runs now (`rotated()` when it ends).
    func arrived(_ names: [String], rotating: Bool = false) {
        let fire = state.with { s -> Bool in
            s.left.subtract(names)
            if rotating { s.rotating += 1 }
            guard s.left.isEmpty, s.rotating > 0, !s.fired else { return false }
            s.fired = true
            return true
        }
        if fire { whenAll(services) }
    }

    func rotated() { state.with { $0.rotating -= 1 } }
}
