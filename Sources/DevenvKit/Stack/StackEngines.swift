import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv ls` across engines: every stack with the engine it runs on. Stacks on the current
/// engine are read from it (``StackInventory``); a stack `up` recorded on another engine is
/// read from that engine (one connection per engine; an ssh engine's connection is devenv's
/// own). A stack whose engine does not answer within 2 s is `unknown`.
public enum StackEngines {
    public static func collect(_ ctx: DevenvContext, sizes: Bool) throws -> [StackRecord] {
        let here = ctx.engine.address
        var records = try StackInventory.collect(ctx, sizes: sizes)
        for i in records.indices { records[i].engine = StackEngineRecord.read(ctx.paths, stack: records[i].stack)?.endpoint ?? here }
        let elsewhere = Dictionary(grouping: records.indices.filter { records[$0].engine != here && records[$0].containers.isEmpty && records[$0].volumes.isEmpty }) {
            records[$0].engine!
        }
        guard !elsewhere.isEmpty else { return records }
        let registry = try Registry.read(ctx.paths.registryFile)
        for (endpoint, indices) in elsewhere {
            let names = Set(indices.map { records[$0].stack })
            guard let address = EngineEndpoint.Address.parse(endpoint, tls: nil) else { continue }
            let engine = EngineClient.at(EngineEndpoint(address: address, source: .dockerHost), paths: ctx.paths)
            guard (try? engine.ping(timeout: 2)) != nil,
                  let containers = try? engine.containers(label: StackInventory.stackLabel),
                  let volumes = try? engine.volumes(label: StackInventory.stackLabel),
                  let networks = try? engine.networks(label: StackInventory.stackLabel) else {
                for i in indices { records[i].state = "unknown" }
                continue
            }
            func ours(_ labels: [String: String]) -> Bool { labels[StackInventory.stackLabel].map(names.contains) ?? false }
            var subset = Registry()
            subset.stacks = registry.stacks.filter { names.contains($0.key) }
            let usage = sizes ? engine.volumeSizes() : [:]
            let found = StackInventory.merge(registry: subset, containers: containers.filter { ours($0.labels) },
                                             volumes: volumes.filter { ours($0.labels) }, networks: networks.filter { ours($0.labels) },
                                             sizes: sizes ? usage : nil)
            for var r in found {
                r.engine = endpoint
                if let i = records.firstIndex(where: { $0.stack == r.stack }) { records[i] = r }
            }
        }
        return records
    }
}
