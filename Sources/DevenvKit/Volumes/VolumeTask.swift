import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Throwaway containers devenv runs on a stack's volumes (copies for snapshots, restores and
/// branch stacks): they carry this label so a killed devenv's leftovers are found and removed
/// before the volumes are touched again.
public enum VolumeTask {
    public static let label = "dev.devenv.task"

    public static func labels(_ identity: StackIdentity, _ task: String) -> [(String, String)] {
        identity.labels + [(label, task)]
    }

    /// Removes the stack's leftover throwaway containers (a `docker run --rm` goes on in the
    /// engine after the devenv that started it was killed). Returns how many there were.
    @discardableResult
    public static func removeLeftovers(_ ctx: DevenvContext, stack: String) async throws -> Int {
        let stackLabel = "dev.devenv.stack=\(stack)"
        let leftovers = try ctx.engine.containers(label: stackLabel).filter { $0.labels[label] != nil && $0.service == nil }
        guard !leftovers.isEmpty else { return 0 }
        try await StackRemoval.removeContainers(ctx, leftovers.map(\.id), label: stackLabel, "removing \(stack)'s leftover copy containers")
        return leftovers.count
    }
}
