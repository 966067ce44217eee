import Foundation
import DevenvCore
import DevenvPlatform

/// Keeps devenv's files out of git wherever the repository root is: at the project folder,
/// or above it (a project in a monorepo subfolder). The rules go into the project folder's
/// own `.gitignore`, which git reads for everything under that folder; whether the project
/// is in a work tree at all is `GitInfo`'s answer (the one place devenv finds `.git`).
///
/// Invariants: `.devenv/*` (except the project's own kinds in `.devenv/templates/`) is ignored
/// before devenv writes its first stack file there; every `.env` target devenv creates is
/// ignored unless git already ignores or tracks it; an existing `.gitignore` keeps every byte
/// and only gains lines at its end.
public enum GitIgnore {
    package static let devenvBlock = "# devenv: generated stack files (project service kinds in .devenv/templates/ stay tracked)\n.devenv/*\n!.devenv/templates/\n"
    package static let envComment = "# devenv: .env files it created (they hold local passwords)"

    /// The folder whose `.git` makes `root` part of a work tree, or nil outside git.
    public static func workTree(of root: String) -> String? {
        GitInfo.workTreeRoot(from: root)
    }

    /// Adds the `.devenv/*` rule to `<root>/.gitignore` when the project is in a git work tree
    /// and no rule covers `.devenv` yet. Returns a note for the user when it wrote the rule.
    @discardableResult
    public static func ensureDevenvIgnored(root: String) throws -> String? {
        guard workTree(of: root) != nil else { return nil }
        let path = root + "/.gitignore"
        let (text, utf8) = try currentText(path)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.contains(where: { [".devenv", ".devenv/", "/.devenv", "/.devenv/", ".devenv/*", "/.devenv/*"].contains($0) }) { return nil }
        try append(devenvBlock, to: path, existing: text, utf8: utf8)
        return "added .devenv/ to \(Paths.relative(path, to: root)) (it holds the stack's passwords)"
    }

    /// Ignores the `.env` files devenv just created (paths relative to `root`): one
    /// `git check-ignore` for all of them, then the missing rules (`/api/.env`) appended to
    /// `<root>/.gitignore`. Returns the paths it added rules for.
    public static func ignoreCreated(_ paths: [String], root: String, runner: ProcessRunning) async throws -> [String] {
        guard !paths.isEmpty, workTree(of: root) != nil else { return [] }
        let path = root + "/.gitignore"
        let (text, utf8) = try currentText(path)
        let lines = Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        var candidates = paths.filter { !lines.contains("/" + $0) && !lines.contains($0) }
        guard !candidates.isEmpty else { return [] }
        // Exit 0: some are ignored (printed); 1: none is; anything else: no answer, add them all.
        if let r = try? await runner.capture(checkIgnore(candidates, root: root)), r.status == 0 {
            let ignored = Set(r.stdout.split(separator: "\n").map(String.init))
            candidates.removeAll { ignored.contains($0) }
        }
        var tracked: [String] = []
        for p in candidates where (try? await runner.capture(GitTracking.lsFiles(p, root: root)))?.succeeded == true { tracked.append(p) }
        candidates.removeAll { tracked.contains($0) }
        guard !candidates.isEmpty else { return [] }
        let hasComment = text.contains(envComment)
        try append((hasComment ? "" : envComment + "\n") + candidates.map { "/" + $0 + "\n" }.joined(), to: path, existing: text, utf8: utf8)
        return candidates
    }

    /// `git -C ROOT check-ignore -- PATH…`: prints the paths git ignores.
    public static func checkIgnore(_ paths: [String], root: String) -> Command {
        Command("git", ["-C", root, "check-ignore", "--"] + paths)
    }

    /// The file's text, and whether it is UTF-8 (otherwise `ByteText`, so every byte is kept).
    package static func currentText(_ path: String) throws -> (String, Bool) {
        guard let data = try StateFile.read(path, what: "the git ignore file") else { return ("", true) }
        if let text = String(data: data, encoding: .utf8) { return (text, true) }
        return (ByteText.decode(data), false)
    }

    /// Appends `block` after a blank line, keeping every existing byte.
    package static func append(_ block: String, to path: String, existing: String, utf8: Bool) throws {
        var out = existing
        if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        if !out.isEmpty && !out.hasSuffix("\n\n") { out += "\n" }
        out += block
        try AtomicFile.write(utf8 ? Data(out.utf8) : ByteText.encode(out), to: path, newFileMode: 0o644, folderMode: 0o755)
    }
}
