import Foundation
import DevenvCore
import DevenvPlatform

/// Reads the current branch straight from `.git` (no `git` process on the hot path).
public enum GitInfo {
    /// The branch checked out at `root` (worktrees included), the short commit for a
    /// detached HEAD, or nil outside a git repository.
    public static func currentBranch(at root: String) -> String? {
        guard let gitDir = gitDirectory(from: root),
              let head = try? String(contentsOfFile: gitDir + "/HEAD", encoding: .utf8)
        else { return nil }
        let line = head.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("ref: ") {
            let ref = String(line.dropFirst(5))
            return ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : ref
        }
        return String(line.prefix(7))
    }

    /// The git directory for the work tree containing `path` (`.git` may be a file in a worktree).
    public static func gitDirectory(from path: String) -> String? { locate(from: path)?.gitDir }

    /// The top folder of the work tree containing `path` (what `git rev-parse --show-toplevel`
    /// prints): the nearest folder at or above `path` with a `.git` folder or `gitdir:` file.
    public static func workTreeRoot(from path: String) -> String? { locate(from: path)?.workTree }

    package static func locate(from path: String) -> (workTree: String, gitDir: String)? {
        var dir = path
        while true {
            let dotgit = dir + "/.git"
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dotgit, isDirectory: &isDir) {
                if isDir.boolValue { return (dir, dotgit) }
                if let text = try? String(contentsOfFile: dotgit, encoding: .utf8),
                   let line = text.split(separator: "\n").first, line.hasPrefix("gitdir: ") {
                    let target = String(line.dropFirst(8)).trimmingCharacters(in: .whitespaces)
                    return (dir, target.hasPrefix("/") ? target : dir + "/" + target)
                }
                return nil
            }
            if dir == "/" || dir.isEmpty { return nil }
            dir = (dir as NSString).deletingLastPathComponent
        }
    }
}
