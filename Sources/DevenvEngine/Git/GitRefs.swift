import Foundation
import DevenvCore
import DevenvPlatform

/// What branch stacks need to know about a repository beyond the current branch: its
/// default branch (a new branch stack's parent), its local branches and whether a worktree
/// still exists (what `gc` removes). Files are read directly where git's layout is stable;
/// listing branches (loose and packed refs) goes through `git`.
public enum GitRefs {
    /// The repository's common git directory, shared by all its worktrees (`.git`, or the
    /// folder a worktree's `commondir` file names).
    public static func commonDirectory(from path: String) -> String? {
        guard let gitDir = GitInfo.gitDirectory(from: path) else { return nil }
        guard let text = try? String(contentsOfFile: gitDir + "/commondir", encoding: .utf8) else { return gitDir }
        let common = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let full = common.hasPrefix("/") ? common : gitDir + "/" + common
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }

    /// The branch `origin/HEAD` points at (`main` for `ref: refs/remotes/origin/main`), or nil
    /// without a remote HEAD. Symbolic refs are never packed, so one file says it.
    public static func originHead(at root: String) -> String? {
        guard let common = commonDirectory(from: root),
              let text = try? String(contentsOfFile: common + "/refs/remotes/origin/HEAD", encoding: .utf8) else { return nil }
        return parseOriginHead(text)
    }

    package static func parseOriginHead(_ text: String) -> String? {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = "ref: refs/remotes/origin/"
        guard line.hasPrefix(prefix), line.count > prefix.count else { return nil }
        return String(line.dropFirst(prefix.count))
    }

    /// The default branches to look for a parent stack under, in order: `origin/HEAD`'s
    /// branch, then `main`, then `master`.
    public static func defaultBranches(originHead: String?) -> [String] {
        var out: [String] = []
        for b in [originHead, "main", "master"].compactMap({ $0 }) where !out.contains(b) { out.append(b) }
        return out
    }

    /// `git for-each-ref` of the local branches, full ref names (never ambiguous short names).
    public static func localBranchesCommand(root: String) -> Command {
        Command("git", ["-C", root, "for-each-ref", "--format=%(refname)", "refs/heads/"])
    }

    /// Branch names from `localBranchesCommand`'s output.
    public static func parseLocalBranches(_ stdout: String) -> Set<String> {
        Set(stdout.split(separator: "\n").compactMap { line -> String? in
            let ref = line.trimmingCharacters(in: .whitespaces)
            return ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : nil
        })
    }

    /// Whether `root` is still a git work tree: its `.git` (folder, or `gitdir:` file of a
    /// worktree) leads to a git directory that exists. False after `git worktree remove` or
    /// `git worktree prune` of a folder that was deleted by hand.
    public static func isWorkTree(_ root: String) -> Bool {
        var isDir: ObjCBool = false
        guard let gitDir = GitInfo.gitDirectory(from: root) else { return false }
        return FileManager.default.fileExists(atPath: gitDir + "/HEAD", isDirectory: &isDir) && !isDir.boolValue
    }
}
