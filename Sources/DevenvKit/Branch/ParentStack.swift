import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Which stack a new branch stack copies its data from: `--from STACK`, else the stack of
/// the repository's default branch (`origin/HEAD`'s, `main`, `master`). With
/// `isolation: project` and a one-off `up --branch`, the project's own stack comes first:
/// it is the one the default branch normally runs.
public enum ParentStack {
    /// The stacks to look for, in order, never `stack` itself (pure). On a default branch
    /// itself there is no branch parent.
    public static func candidates(project: String, branch: String, isolation: Isolation, defaultBranches: [String]) -> [String] {
        let stack = StackIdentity.stackName(project: project, branch: branch)
        var out: [String] = []
        if isolation == .project { out.append(StackIdentity.stackName(project: project, branch: nil)) }
        if !defaultBranches.contains(branch) { out += defaultBranches.map { StackIdentity.stackName(project: project, branch: $0) } }
        var seen = Set<String>()
        return out.filter { $0 != stack && seen.insert($0).inserted }
    }

    /// The first candidate `usable` accepts, or nil.
    public static func choose(_ candidates: [String], usable: (String) -> Bool) -> String? {
        candidates.first(where: usable)
    }

    /// Why a stack cannot be a parent, or nil when it can (pure). A parent belongs to the same
    /// project, is in the registry with a project folder that still has its manifest, and holds
    /// data (at least one volume).
    public static func unusable(_ stack: String, project: String, entry: Registry.Entry?, rootHasManifest: Bool, volumes: Int) -> String? {
        guard let entry else { return "devenv has no stack '\(stack)'" }
        if entry.project != project { return "stack '\(stack)' belongs to project '\(entry.project)', not '\(project)'" }
        if !rootHasManifest { return "stack '\(stack)''s folder \(entry.root) has no devenv.yml any more" }
        if volumes == 0 { return "stack '\(stack)' has no data (no volumes)" }
        return nil
    }
}
