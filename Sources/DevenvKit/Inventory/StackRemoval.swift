import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Removes a stack by devenv's labels only — what `gc` does, and what `down --all` does for
/// a stack whose compose file is gone. Containers, networks and (when asked) volumes,
/// snapshots included, that carry `dev.devenv.stack=<stack>`; nothing else.
public enum StackRemoval {
    /// `docker rm --force ID…` (stops and removes).
    public static func removeContainers(_ ids: [String]) -> Command { Command("docker", ["rm", "--force"] + ids) }

    /// `docker network rm ID…`.
    public static func removeNetworks(_ ids: [String]) -> Command { Command("docker", ["network", "rm"] + ids) }

    public struct Removed: Sendable, Equatable {
        public var containers = 0
        public var networks = 0
        public var volumes: [String] = []
    }

    /// Removes the stack's labelled containers and networks, and its volumes when `volumes`.
    /// Read from the engine now, not from an earlier listing.
    @discardableResult
    public static func removeResources(_ ctx: DevenvContext, stack: String, volumes: Bool) async throws -> Removed {
        let label = "dev.devenv.stack=\(stack)"
        var removed = Removed()
        let containers = try ctx.engine.containers(label: label).map(\.id)
        if !containers.isEmpty { try await step(ctx, removeContainers(containers), "removing the containers of \(stack)") }
        removed.containers = containers.count
        let networks = try ctx.engine.networks(label: label).map(\.id)
        if !networks.isEmpty { try await step(ctx, removeNetworks(networks), "removing the network of \(stack)") }
        removed.networks = networks.count
        if volumes {
            let names = try ctx.engine.volumes(label: label).map(\.name).sorted()
            if !names.isEmpty { try await step(ctx, VolumeCommands.remove(names), "removing the volumes of \(stack)") }
            removed.volumes = names
        }
        return removed
    }

    /// Forgets the stack: its registry entry (its ports go back to the pool), its credentials
    /// and its state folder in the project (compose file, ledgers), when the folder is there.
    public static func forget(_ ctx: DevenvContext, stack: String, root: String) throws {
        try Registry.update(ctx.paths) { reg in _ = reg.stacks.removeValue(forKey: stack) }
        try? FileManager.default.removeItem(atPath: ctx.paths.credentialsFile(stack))
        if !root.isEmpty { try? FileManager.default.removeItem(atPath: StackPlanner.stateDir(root: root, stack: stack)) }
    }

    static func step(_ ctx: DevenvContext, _ command: Command, _ what: String) async throws {
        let r = try await ctx.runner.capture(command)
        guard r.succeeded else {
            throw DevenvError("\(what) failed (`\(command)`, exit \(r.status))",
                              hint: "See `docker ps -a --filter label=dev.devenv.stack` and `docker volume ls`; a container outside devenv may still use a volume.",
                              details: (r.stderr + r.stdout).split(separator: "\n").suffix(6).map { "  | " + $0 })
        }
    }
}
