import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Before compose starts anything: every host port the stack will publish is checked. An
/// allocated port someone else took is moved (and the `.env` files follow, since they are
/// rendered from the plan); a pinned port that is taken is an error naming the holder
/// (exit 3); a reserved app port that is taken is reported, unless a process `up` starts
/// listens on it (then it is a pinned port's error, or an `auto` port's move).
public struct PortCheck {
    public struct Outcome {
        public var moved: [(service: String, from: Int, to: Int, holder: String)] = []
        public var appPortWarnings: [String] = []
    }

    public var engine: (any ContainerEngine)?
    public var isFree: (Int) -> Bool = PortProbe.isFree
    public var isFreeUDP: (Int) -> Bool = PortProbe.isFreeUDP
    /// The app ports (`ports:` names) of the processes `up` is about to start, and whether
    /// each is pinned: a pinned one that is taken is an error (exit 3), an `auto` one moves.
    public var processPorts: [String: Bool] = [:]

    public init(engine: (any ContainerEngine)?) { self.engine = engine }

    /// `ours`: host ports the stack's own running containers publish. `moveAway`: gives up
    /// the claim on the given port keys and plans again (so they get free ports).
    public func run(plan: inout StackPlan, ours: Set<Int>, moveAway: ([String]) throws -> StackPlan) throws -> Outcome {
        var outcome = Outcome()
        var owners = PortOwners(engine: engine)
        var taken: [String: Int] = [:]
        var own: Set<Int>?
        for s in plan.services {
            for p in s.ports where !ours.contains(p.host) && !(p.proto == "udp" ? isFreeUDP(p.host) : isFree(p.host)) {
                // The stack's own containers in any state (created by a killed `up`, restarting,
                // exited) keep their ports: never move a port away from the stack itself.
                if own == nil { own = Self.boundPorts(engine: engine, stack: plan.identity.stack) }
                if own!.contains(p.host) { continue }
                let holder = owners.owner(of: p.host)
                if holder?.stack == plan.identity.stack { continue }
                let who = holder?.summary ?? "another program"
                if p.pinned {
                    throw DevenvError(
                        "port \(p.host) (pinned for \(s.name) in devenv.yml) is taken by \(who)",
                        hint: "Free it with `devenv ports free \(p.host)`, or remove `port: \(p.host)` from devenv.yml to let devenv pick one.",
                        exitCode: .portConflict)
                }
                taken[StackPlanner.portKey(s.name, p.name)] = p.host
                outcome.moved.append((s.name, p.host, 0, who))
            }
        }
        for (name, port) in plan.appPorts.sorted(by: { $0.key < $1.key }) where !ours.contains(port) && !isFree(port) {
            let who = owners.owner(of: port)?.summary ?? "another program"
            guard let pinned = processPorts[name] else {
                outcome.appPortWarnings.append("your app's port \(port) (ports.\(name)) is already taken by \(who); free it with `devenv ports free \(port)`")
                continue
            }
            if pinned {
                throw DevenvError(
                    "port \(port) (pinned for process \(name) in devenv.yml) is taken by \(who)",
                    hint: "Free it with `devenv ports free \(port)`, or write `\(name): auto` under ports: in devenv.yml to let devenv pick one.",
                    exitCode: .portConflict)
            }
            taken["app.\(name)"] = port
            outcome.moved.append(("process \(name)", port, 0, who))
        }
        guard !taken.isEmpty else { return outcome }
        return try move(taken, outcome: outcome, plan: &plan, moveAway: moveAway)
    }

    /// Host ports the stack's containers publish or will publish, in any state
    /// (`HostConfig.PortBindings`, through the Engine API).
    static func boundPorts(engine: (any ContainerEngine)?, stack: String) -> Set<Int> {
        guard let engine, let list = try? engine.containers(project: stack) else { return [] }
        var out = Set(list.flatMap { $0.ports.compactMap(\.publicPort) })
        for c in list { for b in engine.inspect(c.id)?.bindings ?? [] { out.insert(b.host) } }
        return out
    }

    func move(_ taken: [String: Int], outcome: Outcome, plan: inout StackPlan,
              moveAway: ([String]) throws -> StackPlan) throws -> Outcome {
        var outcome = outcome
        plan = try moveAway(Array(taken.keys))
        for i in outcome.moved.indices {
            let s = outcome.moved[i].service
            let from = outcome.moved[i].from
            let key = taken.first { $0.value == from }?.key ?? s
            if key.hasPrefix("app.") { outcome.moved[i].to = plan.appPorts[String(key.dropFirst(4))] ?? 0; continue }
            let portName = key.split(separator: ".").count > 1 ? String(key.split(separator: ".")[1]) : "main"
            outcome.moved[i].to = plan.service(s)?.ports.first { $0.name == portName }?.host ?? 0
        }
        return outcome
    }
}
