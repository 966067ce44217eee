import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Which stacks `devenv gc` removes: a stack whose project folder is gone, whose worktree
/// was removed, or whose branch was deleted. Everything else is kept, and so is anything
/// devenv cannot judge (no root recorded, git unable to list the branches).
public enum GcPolicy {
    /// What gc knows about one stack's place on disk and in git.
    public struct Facts: Sendable, Equatable {
        public var root: String
        public var branch: String?
        /// The root folder exists.
        public var rootExists: Bool
        /// The root is (still) inside a git work tree.
        public var isWorkTree: Bool
        /// The repository's local branches; nil when git could not say.
        public var localBranches: Set<String>?
        /// The branch (or detached short commit) checked out at the root now.
        public var checkedOut: String?

        public init(root: String, branch: String?, rootExists: Bool, isWorkTree: Bool, localBranches: Set<String>?, checkedOut: String?) {
            self.root = root; self.branch = branch; self.rootExists = rootExists; self.isWorkTree = isWorkTree
            self.localBranches = localBranches; self.checkedOut = checkedOut
        }
    }

    public enum Verdict: Sendable, Equatable {
        case keep
        /// Remove, and why (said to the user).
        case remove(String)
    }

    public static func verdict(_ f: Facts) -> Verdict {
        guard !f.root.isEmpty else { return .keep }
        let branch = f.branch.flatMap { $0.isEmpty ? nil : $0 }
        guard f.rootExists else {
            return .remove(branch == nil ? "its project folder \(f.root) is gone" : "its worktree folder \(f.root) is gone")
        }
        guard let branch else { return .keep }
        guard f.isWorkTree else { return .remove("\(f.root) is no longer a git worktree") }
        if f.checkedOut == branch { return .keep }
        guard let branches = f.localBranches else { return .keep }
        if branches.contains(branch) { return .keep }
        if isShortCommit(branch) { return .remove("detached commit \(branch) is no longer checked out at \(f.root)") }
        return .remove("its branch '\(branch)' was deleted")
    }

    /// The name GitInfo gives a detached HEAD: 7 hex digits.
    static func isShortCommit(_ s: String) -> Bool {
        s.count == 7 && s.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
