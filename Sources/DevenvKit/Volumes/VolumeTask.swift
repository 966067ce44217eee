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
        let leftovers = try ctx.engine.containers(label: "dev.devenv.stack=\(stack)").filter { $0.labels[label] != nil && $0.service == nil }
        guard !leftovers.isEmpty else { return 0 }
        _ = try await ctx.runner.capture(Command("docker", ["rm", "--force"] + leftovers.map(\.id)))
        return leftovers.count
    }
}
