import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The stack's compose file (`.devenv/stacks/<stack>/compose.yaml`, 0600: it holds passwords),
/// rendered from a plan, for the commands that hand the stack to compose.
public enum ComposeFile {
    /// Plans in `session` and writes the compose file when it differs. `claim`: reserve ports
    /// and credentials first (the session's one claim). Without it, a stack that was never
    /// claimed gets no file (`project(for:)` gives a temporary one to use instead).
    @discardableResult
    public static func ensure(_ session: StackSession, claim: Bool = true) throws -> StackPlan {
        try ensure(claim ? try session.claimedPlan() : try session.proposedPlan())
    }

    /// Plans read-only, without the stack's lock, and writes the compose file of a claimed stack
    /// when it differs (`compose ps`, `logs`).
    @discardableResult
    public static func ensure(_ ctx: DevenvContext, project: Project) throws -> StackPlan { try ensure(try project.proposedPlan(ctx)) }

    static func ensure(_ plan: StackPlan) throws -> StackPlan {
        if plan.claimed { try write(plan) }
        return plan
    }

    public static func write(_ plan: StackPlan) throws { try write(try ComposeRenderer.render(plan), plan: plan) }

    /// Writes the stack's compose file when its text changed, 0600 in 0700 folders (it holds
    /// the services' passwords). Returns the text it had before (nil: none). An existing
    /// file from an older devenv (0644) is made private too.
    @discardableResult
    public static func write(_ text: String, plan: StackPlan) throws -> String? {
        _ = try GitIgnore.ensureDevenvIgnored(root: plan.manifest.root)   // before the first file that holds a password
        try StateFile.makePrivateFolder(plan.manifest.root + "/.devenv")
        try StateFile.makePrivateFolder(plan.stateDir)
        let before = (try? StateFile.read(plan.composeFile, what: "the compose file")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        if before != text { try AtomicFile.write(text, to: plan.composeFile, newFileMode: 0o600) }
        var st = stat()
        if stat(plan.composeFile, &st) == 0, st.st_mode & 0o077 != 0 { _ = chmod(plan.composeFile, 0o600) }
        return before
    }

    /// Before the stack's file is handed to compose as it is (`logs`): a folder or a file devenv
    /// cannot read in its place is an error naming the fix, not compose's raw words.
    public static func checkUsable(_ file: String) throws {
        do { _ = try StateFile.read(file, what: "the stack's compose file") } catch var e as DevenvError {
            e.hint = "devenv writes that file from devenv.yml: move it aside (`mv \(file) \(file).bak`) and run `devenv up`, which writes it again."
            throw e
        }
    }

    /// The compose project to run compose on: the stack's own file for a claimed plan, else a
    /// private temporary copy removed by `cleanup` (read-only commands on a new stack).
    public static func project(for plan: StackPlan) throws -> (project: ComposeProject, cleanup: () -> Void) {
        if plan.claimed { return (ComposeProject(name: plan.identity.stack, file: plan.composeFile), {}) }
        let dir = NSTemporaryDirectory() + "devenv-compose-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = dir + "/compose.yaml"
        try AtomicFile.write(try ComposeRenderer.render(plan), to: file, newFileMode: 0o600)
        return (ComposeProject(name: plan.identity.stack, file: file), { try? FileManager.default.removeItem(atPath: dir) })
    }
}
