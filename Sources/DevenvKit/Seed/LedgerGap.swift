import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Data without a ledger: a seeded service's volume exists while `seeds.json` does not (the
/// project folder deleted and cloned again at the same path, or the file removed). devenv
/// cannot tell which seeds that data already holds, so `up` applies none of that service's
/// seeds (applying them again would double rows or fail on existing ones, on every `up`),
/// says so, and names the ways out: `devenv seed --mark-applied` (record the current seed
/// files as applied), `devenv seed` (apply them on the data as it is) or `devenv reset`.
///
/// `up` writes the ledger (empty) before it creates any volume, so a stack devenv set up
/// always has one, and seeds added to the manifest later still apply.
public enum LedgerGap {
    /// The seeded services among `plan`'s whose data volume exists while the ledger file is
    /// absent. Empty when the ledger exists, or no seeded service has a volume yet.
    public static func services(_ ctx: DevenvContext, plan: StackPlan, seeds: [SeedItem]) throws -> [String] {
        guard !seeds.isEmpty, !FileManager.default.fileExists(atPath: SeedLedger.path(stateDir: plan.stateDir)) else { return [] }
        let seeded = Set(seeds.map(\.service))
        let services = plan.services.filter { seeded.contains($0.name) }
        let existing = try StackVolumes.existing(ctx.engine, stack: plan.identity.stack)
        return Array(Set(StackVolumes.present(plan, services: services, existing: existing).map { $0.service.name })).sorted()
    }

    /// What `up` prints for them.
    public static func warning(services: [String], ledger: String, cwd: String) -> String {
        let list = services.joined(separator: ", ")
        let one = services.count == 1
        return "warning: \(list) \(one ? "has" : "have") data, but the seed ledger \(Paths.relative(ledger, to: cwd)) is missing "
            + "(the project folder was cloned again, or the file deleted): devenv cannot tell which seeds that data holds, so it applied none to \(list). "
            + "If the data has them: `devenv seed --mark-applied` records the current seed files as applied without running them. "
            + "To start from empty data and seed it: `devenv reset\(one ? " " + services[0] : "")`. "
            + "To apply them on the data as it is: `devenv seed`."
    }

    /// Before `up` starts anything: an absent ledger is written (empty), so the next `up` knows
    /// the stack's data is devenv's (a seed that failed, or a killed `up`, is retried, not
    /// taken for lost state) — unless data without a ledger was found.
    public static func settle(plan: StackPlan, gap: [String]) throws {
        let path = SeedLedger.path(stateDir: plan.stateDir)
        guard gap.isEmpty, !FileManager.default.fileExists(atPath: path) else { return }
        try StateFile.makeFolder(plan.stateDir)
        try SeedLedger().save(path)
    }
}
