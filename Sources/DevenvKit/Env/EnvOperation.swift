import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv env`: write or verify the `.env` targets, or print them for scripts.
public enum EnvOperation {
    /// `{"files":{"api/.env":{"KEY":"value"}}}`
    public struct Files: Encodable { public var files: [String: [String: String]] }

    /// `claim`: reserve ports and credentials first (writing `.env` files, printing values a
    /// program will use); otherwise the plan is read-only (`--check`).
    public static func plan(_ ctx: DevenvContext, branch: Bool, claim: Bool) throws -> StackPlan {
        let project = try Project.load(ctx, branch: branch)
        guard claim else { return try project.proposedPlan(ctx) }
        return try StackSession.with(ctx, project: project, ping: false) { try $0.claimedPlan() }
    }

    /// Every value with the stack's secrets replaced by `****` (for a terminal).
    public static func masked(_ value: String, plan: StackPlan) -> String {
        plan.services.flatMap { $0.secrets.values }.reduce(value) { $0.replacingOccurrences(of: $1, with: "****") }
    }

    public static func files(_ plan: StackPlan, mask: Bool) throws -> Files {
        var out: [String: [String: String]] = [:]
        for t in try EnvStage.targets(plan) {
            out[t.path] = Dictionary(t.values.map { ($0.key, mask ? masked($0.value, plan: plan) : $0.value) }, uniquingKeysWith: { $1 })
        }
        return Files(files: out)
    }

    /// `export KEY='value'` lines for `eval "$(devenv env --shell)"`.
    public static func shell(_ plan: StackPlan, mask: Bool) throws -> [String] {
        var seen = Set<String>()
        var lines: [String] = []
        for t in try EnvStage.targets(plan) {
            for (k, v) in t.values where Dotenv.isValidKey(k) && !k.contains(".") && seen.insert(k).inserted {
                let value = mask ? masked(v, plan: plan) : v
                lines.append("export \(k)='" + value.replacingOccurrences(of: "'", with: "'\\''") + "'")
            }
        }
        return lines
    }
}
