import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One poll of a running stack: each watched service's container (Engine API), its
/// host-side probe (the same check `up` waits for), and how containers ended since the last
/// poll (the engine's `die` and `oom` events). Blocking: call it off the concurrency pool.
final class StackObserver: Sendable {
    let engine: any ContainerEngine
    let stack: String
    let services: [String]
    let probes: [String: ProbeSpec]
    /// Where the next poll's engine events begin.
    private let eventsSince: Locked<Date>

    init(engine: any ContainerEngine, stack: String, services: [String], probes: [String: ProbeSpec], since: Date) {
        self.engine = engine; self.stack = stack; self.services = services; self.probes = probes; eventsSince = Locked(since)
    }

    /// Throws when the engine does not answer.
    func poll() throws -> [String: ServiceObservation] {
        let all = try engine.containers(project: stack)
        let until = Date()
        let exits = (try? lastExits(since: eventsSince.value, until: until)) ?? [:]
        eventsSince.with { $0 = until }

        var result: [String: ServiceObservation] = [:]
        for name in services {
            let mine = all.filter { $0.service == name }
            guard let c = mine.first(where: { $0.state == .running }) ?? mine.first else {
                result[name] = ServiceObservation(container: nil, lastExit: exits[name])
                continue
            }
            result[name] = ServiceObservation(container: inspect(c), lastExit: exits[name])
        }
        let toProbe = services.filter { result[$0]?.container?.state == .running && probes[$0] != nil }
        let outcomes = Locked<[String: Probe.Outcome]>([:])
        DispatchQueue.concurrentPerform(iterations: toProbe.count) { i in
            let name = toProbe[i]
            let outcome = Probe.check(probes[name]!, timeout: 2)
            outcomes.with { $0[name] = outcome }
        }
        for (name, outcome) in outcomes.value { result[name]?.probe = outcome }
        return result
    }

    /// State, exit code and restart count from a container inspect (the list has no restart count).
    func inspect(_ c: ContainerInfo) -> ServiceObservation.Container {
        var out = ServiceObservation.Container(id: c.id, state: c.state)
        guard let (status, body) = try? engine.get("/containers/\(c.id)/json"), status == 200,
              let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return out }
        let state = obj["State"] as? [String: Any] ?? [:]
        out.state = (state["Status"] as? String).map(ContainerState.init(engineWord:)) ?? c.state
        out.exitCode = state["ExitCode"] as? Int ?? 0
        out.oomKilled = state["OOMKilled"] as? Bool ?? false
        out.restartCount = obj["RestartCount"] as? Int ?? 0
        return out
    }

    /// The last exit of each service between the two times.
    func lastExits(since: Date, until: Date) throws -> [String: (code: Int, oom: Bool)] {
        var out: [String: (code: Int, oom: Bool)] = [:]
        for e in try engine.exits(filters: ["label": ["com.docker.compose.project=\(stack)"]], since: since, until: until) {
            if let s = e.service { out[s] = (e.code, e.oomKilled) }
        }
        return out
    }
}
