import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A rotation a killed `up` left unfinished: `<stateDir>/rotate-pending` names the parent whose
/// passwords the branch's copied data may still hold. It is written before the copy and removed
/// once every rotation ran; the next `up` finds it and rotates again (every built-in step is
/// idempotent: it sets the branch's password whatever the data held) before the branch starts,
/// so a `kill -9` between the copy and its first start never leaves a branch whose data refuses
/// its own `.env`.
extension BranchCredentials {
    static func pendingFile(_ plan: StackPlan) -> String { plan.stateDir + "/rotate-pending" }

    /// The parent a pending rotation names; nil when none is pending.
    public static func pending(_ plan: StackPlan) -> String? {
        guard let data = FileManager.default.contents(atPath: pendingFile(plan)) else { return nil }
        let parent = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return parent.isEmpty ? nil : parent
    }

    static func markPending(_ plan: StackPlan, parent: String) throws {
        try FileManager.default.createDirectory(atPath: plan.stateDir, withIntermediateDirectories: true)
        try AtomicFile.write(Data((parent + "\n").utf8), to: pendingFile(plan), newFileMode: 0o600)
    }

    static func clearPending(_ plan: StackPlan) {
        try? FileManager.default.removeItem(atPath: pendingFile(plan))
    }

    /// The services a pending rotation still has to run for (pure): those with a data volume
    /// and a `rotate.run` whose container is not running (a running one was started after its
    /// rotation, which runs before any start; and a server's data is never opened twice).
    static func pendingServices(_ plan: StackPlan, containers: [ContainerInfo]) -> [String] {
        plan.services.filter { s in
            guard let kind = s.kind, kind.dataPath != nil, case .run? = kind.rotate else { return false }
            return !containers.contains { $0.service == s.name && $0.state == .running }
        }.map(\.name)
    }

    /// Before the branch starts: runs a pending rotation again (its leftover throwaway
    /// containers removed first). A failure keeps the data and throws.
    public static func resume(_ ctx: DevenvContext, project: Project, plan: StackPlan,
                              containers: [ContainerInfo]) async throws -> [String] {
        guard let parent = pending(plan) else { return [] }
        // Only data that exists: after a copy that failed (and was removed) the stack starts fresh.
        let stack = plan.identity.stack
        let volumes = try StackVolumes.existing(ctx.engine, stack: stack)
        let services = pendingServices(plan, containers: containers).filter { volumes[StackVolumes.name(stack: stack, key: "\($0)-data")] != nil }
        guard !services.isEmpty else { clearPending(plan); return [] }
        try await VolumeTask.removeLeftovers(ctx, stack: plan.identity.stack)
        let results = try await rotate(ctx, project: project, plan: plan, parent: parent, copied: services, removeOnFailure: false)
        return ["note: an earlier `devenv up` stopped before \(plan.identity.stack)'s copied data had its own passwords; finished now:"]
            + summary(results, stack: plan.identity.stack, parent: parent).dropFirst()
    }
}
