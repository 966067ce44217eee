import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// How a branch stack that holds no data yet gets some: a copy of its parent stack's volumes
/// (the default branch's stack, or `--from STACK`), or nothing (`--fresh`, or no parent):
/// then its seeds run. Decided by `up` after planning, before anything starts.
public struct BranchStart {
    /// Start empty and run the seeds, even when a parent exists.
    public var fresh = false
    /// Copy from this stack instead of the default branch's.
    public var from: String?

    public init(fresh: Bool = false, from: String? = nil) { self.fresh = fresh; self.from = from }

    public enum Decision {
        /// The stack already has data, or is not a branch stack. `note`: why a flag did nothing.
        case existing(note: String?)
        /// Start empty; the seeds fill it.
        case fresh(why: String)
        /// Copy the parent's volumes before the stack starts.
        case copy(Parent)
    }

    public struct Parent: Sendable {
        public var stack: String
        public var entry: Registry.Entry
        /// The parent's own volumes (snapshots excluded), by Docker name.
        public var volumes: Set<String>
    }

    /// Decides, with the stack lock held. For services whose data volumes do not exist (a new
    /// stack, or after `down --volumes`), the seed ledger forgets their entries: their data is
    /// gone, so their seeds must run again (or come with the parent's copy).
    public func decide(_ ctx: DevenvContext, plan: StackPlan, containers: [ContainerInfo]) throws -> Decision {
        let stack = plan.identity.stack
        if plan.identity.branch == nil && (fresh || from != nil) {
            throw DevenvError.usage("--fresh and --from apply to branch stacks, and \(stack) is the project's stack",
                                    hint: "Add --branch (`devenv up --branch --fresh`), or set `isolation: branch` in devenv.yml.")
        }
        let root = plan.manifest.root
        let withData = plan.services.filter { !StackVolumes.keys($0, root: root).isEmpty }
        // Warm `up`: every service with data has a container, so its volumes exist.
        if withData.allSatisfy({ s in containers.contains { $0.service == s.name } }) { return .existing(note: note(stack)) }

        let existing = try StackVolumes.existing(ctx.engine, stack: stack)
        let empty = withData.filter { s in
            StackVolumes.keys(s, root: root).allSatisfy { existing[StackVolumes.name(plan, key: $0)] == nil }
        }
        try forgetSeeds(of: empty.map(\.name), stateDir: plan.stateDir)
        guard existing.isEmpty, !withData.isEmpty, plan.identity.branch != nil else { return .existing(note: note(stack)) }
        if fresh { return .fresh(why: "--fresh") }

        let registry = try Registry.load(ctx.paths)
        var volumeCache: [String: Set<String>] = [:]
        func volumes(_ s: String) -> Set<String> {
            if let v = volumeCache[s] { return v }
            let v = Set(((try? StackVolumes.existing(ctx.engine, stack: s)) ?? [:]).keys)
            volumeCache[s] = v
            return v
        }
        func unusable(_ s: String) -> String? {
            let entry = registry.stacks[s]
            let manifest = entry.map { FileManager.default.fileExists(atPath: $0.root + "/" + ManifestLoader.fileName) } ?? false
            return ParentStack.unusable(s, project: plan.identity.project, entry: entry, rootHasManifest: manifest,
                                        volumes: entry == nil ? 0 : volumes(s).count)
        }
        if let from {
            if from == stack { throw DevenvError.usage("--from \(from) names this stack itself", hint: "Name the stack to copy from; `devenv ls` lists them.") }
            if let why = unusable(from) {
                let others = registry.stacks.filter { $0.key != stack && $0.value.project == plan.identity.project }.keys.sorted()
                throw DevenvError.usage("cannot copy from '\(from)': \(why)",
                                        hint: others.isEmpty ? "This project has no other stack yet; run `devenv up --fresh`."
                                            : "Stacks of \(plan.identity.project): \(others.joined(separator: ", ")) (`devenv ls`); or `devenv up --fresh`.")
            }
            return .copy(Parent(stack: from, entry: registry.stacks[from]!, volumes: volumes(from)))
        }
        let candidates = ParentStack.candidates(project: plan.identity.project, branch: plan.identity.branch ?? "", isolation: plan.manifest.isolation,
                                                defaultBranches: GitRefs.defaultBranches(originHead: GitRefs.originHead(at: root)))
        guard !candidates.isEmpty else { return .fresh(why: "\(plan.identity.branch ?? "") is the default branch, which has no parent") }
        guard let parent = ParentStack.choose(candidates, usable: { unusable($0) == nil }) else {
            return .fresh(why: "no parent stack to copy from (looked for \(candidates.joined(separator: ", "))); `devenv up --from STACK` copies another")
        }
        return .copy(Parent(stack: parent, entry: registry.stacks[parent]!, volumes: volumes(parent)))
    }

    func note(_ stack: String) -> String? {
        guard fresh || from != nil else { return nil }
        return "note: \(stack) already has its own data, so \(fresh ? "--fresh" : "--from") did nothing; "
            + "`devenv down --volumes` deletes it, then `devenv up` starts it again"
    }

    func forgetSeeds(of services: [String], stateDir: String) throws {
        guard !services.isEmpty else { return }
        let path = SeedLedger.path(stateDir: stateDir)
        var ledger = try SeedLedger.load(path)
        let before = ledger
        for s in services { ledger.forget(service: s) }
        if ledger != before { try ledger.save(path) }
    }

    /// Where the new stack's data came from and how long that took: one line, then for a copy
    /// one line per service with its method and how long the parent's service was unavailable.
    public static func summary(_ decision: Decision, stack: String, copy: BranchCopy.Outcome?, seedSeconds: Double?) -> String? {
        switch decision {
        case .existing: return nil
        case .fresh(let why):
            let seeded = seedSeconds.map { String(format: "; seeding took %.1fs", $0) } ?? ""
            return "New branch stack \(stack) started empty: \(why)\(seeded)."
        case .copy(let parent):
            guard let copy else { return "New branch stack \(stack): \(parent.stack) holds no data for its services; started empty." }
            let width = copy.copies.map(\.service.count).max() ?? 0
            let lines = copy.copies.map { c in
                "  " + c.service.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + serviceLine(c, parent: parent.stack)
            }
            return "New branch stack \(stack) starts with \(parent.stack)'s data, "
                + String(format: "\(copy.copies.allSatisfy { $0.method == .layered } ? "layered" : "copied") in %.1fs:\n", copy.seconds) + lines.joined(separator: "\n")
        }
    }

    /// `live copy in 2.1s; main's postgres kept serving (unavailable 0.0s)`, and so on.
    static func serviceLine(_ c: BranchCopy.ServiceCopy, parent: String) -> String {
        let line = methodLine(c, parent: parent)
        guard let why = c.notLayered else { return line }
        return "not layered (\(why)); " + line
    }

    static func methodLine(_ c: BranchCopy.ServiceCopy, parent: String) -> String {
        switch c.method {
        case .layered:
            let base = c.caughtUp.map { behind in
                "on a base of \(parent)'s data taken earlier and brought forward to its present (\(mebibytes(behind)) written since) in \(secs(c.caughtUpSeconds ?? 0))"
            } ?? (c.baseReused ? "on a base of \(parent)'s data as it is now (taken earlier, reused)"
                : "on a base of \(parent)'s data taken live in \(secs(c.baseSeconds))")
            let failed = c.reflinkFailed.map { "reflink clone failed (\($0)); " } ?? ""
            return failed + "layered (\((c.layer ?? .overlay).rawValue)) in \(secs(c.seconds)), \(base); \(parent)'s \(c.service) kept serving (unavailable 0.0s)"
        case .live:
            return "live copy in \(secs(c.seconds)); \(parent)'s \(c.service) kept serving (unavailable 0.0s)"
        case .idle:
            return "copied in \(secs(c.seconds)) (\(parent)'s \(c.service) was not running)"
        case .stopped:
            let why = c.liveFailed ? "live copy failed (\(c.why ?? "no reason given")); stopped for the copy instead"
                : c.why.map { "stopped for the copy: \($0)" } ?? "stopped for the copy (its kind has no live copy)"
            return why + ", copied in \(secs(c.seconds)); \(parent)'s \(c.service) was unavailable \(secs(c.parentUnavailable))"
        }
    }

    static func secs(_ s: Double) -> String { String(format: "%.1fs", s) }

    static func mebibytes(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
}
