import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Stops and starts services around a copy of their volumes, and waits until they answer.
enum ServiceRestart {
    static func stop(_ ctx: DevenvContext, project: Project, _ services: [String]) async throws {
        guard !services.isEmpty else { return }
        do { try await ctx.runner.check(Compose.stop(project.composeProject, services: services)) }
        catch let f as CommandFailure { throw Compose.explain(f) }
    }

    /// Starts `services` again and waits until each answers its probe from the host
    /// (`onReady` as each does, with the seconds since the wait began).
    static func start(_ ctx: DevenvContext, project: Project, plan: StackPlan, _ services: [String], timeout: TimeInterval = 120,
                      onReady: @escaping @Sendable (String, Double) -> Void = { _, _ in }) async throws {
        guard !services.isEmpty else { return }
        do { try await ctx.runner.check(Compose.start(project.composeProject, services: services)) }
        catch let f as CommandFailure { throw Compose.explain(f) }
        let probes = plan.services.filter { services.contains($0.name) }.compactMap { s in s.probe.map { (s.name, $0) } }
        for s in services where !probes.contains(where: { $0.0 == s }) { onReady(s, 0) }
        let results = await ReadinessWaiter(prober: ctx.prober).wait(probes, timeout: timeout, onReady: onReady)
        if let (name, result) = results.sorted(by: { $0.key < $1.key }).first(where: { if case .ready = $0.value { return false } else { return true } }) {
            throw try await notReadyError(ctx, project: project, service: name, result: result, timeout: timeout)
        }
    }

    /// A service that did not answer: why, its last log lines, and what to do.
    static func notReadyError(_ ctx: DevenvContext, project: Project, service: String, result: ReadinessWaiter.Result,
                              timeout: TimeInterval) async throws -> DevenvError {
        let logs = (try? await ctx.runner.capture(Compose.logs(project.composeProject, services: [service], follow: false, tail: 20)))
        let lines = ((logs?.stdout ?? "") + (logs?.stderr ?? "")).split(separator: "\n").suffix(20).map { "  | " + $0 }
        let why: String
        switch result {
        case .timedOut(let last): why = "was not ready after \(Int(timeout)) s (last check: \(last))"
        case .failed(let reason): why = reason
        case .ready: why = "is ready"
        }
        return DevenvError("\(service) \(why). Its last log lines:",
                           hint: DataDamage.hint(service: service, result: result) ?? "See all logs with `devenv logs \(service)`; raise the wait with `devenv up --timeout SECONDS`.",
                           details: lines.isEmpty ? ["  (no log output)"] : lines)
    }
}
