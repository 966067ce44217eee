import Foundation
import DevenvCore
import DevenvPlatform

/// Whether a file is tracked by git: one `git ls-files` through the runner, only after
/// devenv wrote the file, and only inside a git work tree.
public enum GitTracking {
    /// `git -C ROOT ls-files --error-unmatch PATH` exits 0 when git tracks PATH.
    public static func lsFiles(_ path: String, root: String) -> Command {
        Command("git", ["-C", root, "ls-files", "--error-unmatch", path])
    }

    package static func isTracked(_ path: String, root: String, runner: ProcessRunning) async -> Bool {
        guard GitInfo.gitDirectory(from: root) != nil else { return false }
        return (try? await runner.capture(lsFiles(path, root: root)))?.succeeded ?? false
    }
}
