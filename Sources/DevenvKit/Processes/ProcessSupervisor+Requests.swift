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
            state.with { s in s.handled += requests.map { "\($0.id):error" } }
            return
        }
        // A process devenv.yml no longer has is stopped.
        state.with { s in
            for (name, r) in s.records where !plans.contains(where: { $0.name == name }) {
                r.restartNext = nil
                if case .running = r.watch.phase { stopLocked(r) } else { r.watch.stop() }
            }
        }
        for request in requests {
            let wanted = ProcessPlanner.closure(request.start + request.restart, of: plans)
            add(wanted)
            state.with { s in
                for p in wanted {
                    guard let r = s.records[p.name] else { continue }
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
                s.handled.append(request.id)
                if s.handled.count > 50 { s.handled.removeFirst(s.handled.count - 50) }
            }
        }
    }
}
