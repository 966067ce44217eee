import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

extension ProcessSupervisor {
    /// Applies the requests other `devenv up` runs left in `requests/`.
    func handleRequests() {
        let requests = ProcessRequest.take(paths)
        guard !requests.isEmpty else { return }
        var plans: [PlannedProcess]
        do { plans = try replan() } catch {
            sink.note("cannot apply a request: \(error)", problem: true)
            lock.lock(); handled += requests.map { "\($0.id):error" }; lock.unlock()
            return
        }
        // A process devenv.yml no longer has is stopped.
        lock.withLock {
            for (name, r) in records where !plans.contains(where: { $0.name == name }) {
                r.restartNext = nil
                if case .running = r.watch.phase { stopLocked(r) } else { r.watch.stop() }
            }
        }
        for request in requests {
            let wanted = ProcessPlanner.closure(request.start + request.restart, of: plans)
            add(wanted)
            lock.lock()
            for p in wanted {
                guard let r = records[p.name] else { continue }
                let changed = r.plan.fingerprint != p.fingerprint
                let asked = request.restart.contains(p.name)
                switch r.watch.phase {
                case .running:
                    if changed || asked { r.restartNext = p; stopLocked(r) }
                case .failed, .stopped, .backoff:
                    r.plan = p
                    r.watch.reset()
                case .waiting: r.plan = p
                }
            }
            handled.append(request.id)
            if handled.count > 50 { handled.removeFirst(handled.count - 50) }
            lock.unlock()
        }
    }
}
