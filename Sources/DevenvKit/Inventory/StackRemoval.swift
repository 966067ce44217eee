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
        try await removeContainers(ctx, containers, label: label, "removing the containers of \(stack)")
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

    /// Removes containers, stopping them first. A removal the engine already has under way (the
    /// `--rm` of a `docker run` whose devenv was killed) or a container already gone is not an
    /// error: the containers are waited for, up to a minute, since they may still hold volumes.
    static func removeContainers(_ ctx: DevenvContext, _ ids: [String], label: String, _ what: String) async throws {
        guard !ids.isEmpty else { return }
        let command = removeContainers(ids)
        let r = try await ctx.runner.capture(command)
        if r.succeeded { return }
        let lines = r.stderr.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }
        guard !lines.isEmpty, lines.allSatisfy(removalUnderWay) else { try check(r, command, what) ; return }
        let deadline = Date().addingTimeInterval(60)
        while true {
            let left = Set(try ctx.engine.containers(label: label).map(\.id)).intersection(ids)
            if left.isEmpty { return }
            guard Date() < deadline else {
                throw DevenvError("\(what) failed: the engine was still removing \(left.count) container\(left.count == 1 ? "" : "s") after a minute",
                                  hint: "See `docker ps -a --filter \(label)`; `docker rm --force ID` removes one by hand.")
            }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    /// docker's and Podman's words for a container that is going or gone already.
    static func removalUnderWay<S: StringProtocol>(_ line: S) -> Bool {
        line.contains("is already in progress") || line.contains("No such container") || line.contains("no such container")
    }

    static func step(_ ctx: DevenvContext, _ command: Command, _ what: String) async throws {
        try check(try await ctx.runner.capture(command), command, what)
    }

    static func check(_ r: CommandResult, _ command: Command, _ what: String) throws {
        guard r.succeeded else {
            throw DevenvError("\(what) failed (`\(command)`, exit \(r.status))",
                              hint: "See `docker ps -a --filter label=dev.devenv.stack` and `docker volume ls`; a container outside devenv may still use a volume.",
                              details: (r.stderr + r.stdout).split(separator: "\n").suffix(6).map { "  | " + $0 })
        }
    }
}
