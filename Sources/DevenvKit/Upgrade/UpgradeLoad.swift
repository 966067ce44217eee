import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// The new server of an upgrade: the service itself, or, when the kind declares `upgrade.load`,
/// a server of its own the data is loaded into first (`UpgradeCommands.toContainer`).
extension UpgradeOperation {
    /// `docker run` of the load server: the new image on the new volume, with the service's
    /// environment (so its image initialises the volume as the service's would), the kind's
    /// `upgrade.load.command` and its compose `stop_signal:` (stopped cleanly after the copy).
    /// Nil when the kind loads into the service itself.
    func loadServer(_ s: PlannedService, schema: UpgradeSchema, stack: String, volume: String, network: String, labels: [(String, String)]) throws -> Command? {
        guard schema.method == .dump, !schema.load.isEmpty else { return nil }
        let command = try UpgradeCommands.render(schema.load, context: s.context, templates: s.kind?.templates ?? CompiledTemplates(),
                                                 upgrade: ["from": UpgradeCommands.fromHost(service: service), "to": UpgradeCommands.toHost(service: service)])
        return UpgradeCommands.server(name: UpgradeCommands.toContainer(stack: stack, service: service),
                                      host: UpgradeCommands.toHost(service: service), network: network, image: s.image, volume: volume,
                                      dataPath: s.kind?.dataPath ?? "/data", environment: try UpgradeCommands.environment(s),
                                      command: command, stopSignal: try UpgradeCommands.stopSignal(s), labels: labels)
    }

    /// The labels compose gives the service's volume, so that compose takes a volume devenv made as its own.
    func composeVolumeLabels(_ plan: StackPlan) -> [(String, String)] {
        plan.identity.labels + [("com.docker.compose.project", plan.identity.stack), ("com.docker.compose.volume", key)]
    }

    /// Waits until the new server answers: `loaded` (a listing in the load server) succeeds, or,
    /// without one, the service answers its `probes` from the host. Nil when it is ready, else
    /// the probe's last result.
    func newServerAnswers(_ ctx: DevenvContext, probes: [(name: String, probe: ProbeSpec)], loaded: Command?, version: String) async throws -> ReadinessWaiter.Result? {
        if let loaded {
            _ = try await poll(ctx, loaded, what: "the \(version) server the data is loaded into", every: 0.05)
            return nil
        }
        guard let probe = probes.first else { return nil }
        let result = await ReadinessWaiter(prober: ctx.prober).wait(probes, timeout: timeout) { _, _ in }
        if case .ready? = result[probe.name] { return nil }
        return result[probe.name] ?? .failed("no answer")
    }

    /// The service answers its probe, or the error that says why not.
    func serviceReady(_ ctx: DevenvContext, project: Project, probes: [(name: String, probe: ProbeSpec)]) async throws {
        if let failed = try await newServerAnswers(ctx, probes: probes, loaded: nil, version: "") {
            throw try await ServiceRestart.notReadyError(ctx, project: project, service: service, result: failed, timeout: timeout)
        }
    }
}
