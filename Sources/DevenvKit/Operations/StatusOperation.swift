import Foundation

public enum StatusOperation {
    public static func run(_ ctx: DevenvContext, branch: Bool) throws -> (StackPlan, StatusReport) {
        let project = try Project.load(ctx, branch: branch)
        var planner = project.planner(ctx)
        planner.touch = false
        let plan = try planner.plan(project.manifest, identity: project.identity)
        try ctx.engine.ping()
        let containers = try ctx.engine.containers(project: plan.identity.stack)
        return (plan, StatusBuilder.build(plan, containers: containers, engine: ctx.engine))
    }
}

/// Makes sure the stack's compose file exists and matches the manifest (for `compose`, `down`, `logs`).
public enum ComposeFile {
    @discardableResult
    public static func ensure(_ ctx: DevenvContext, project: Project) throws -> StackPlan {
        var planner = project.planner(ctx)
        planner.touch = false
        let plan = try planner.plan(project.manifest, identity: project.identity)
        try ComposeFile.write(try ComposeRenderer.render(plan), plan: plan)
        return plan
    }

    /// Writes the stack's compose file when its text changed, 0600 in 0700 folders (it holds
    /// the services' passwords). Returns the text it had before (nil: none). An existing
    /// file from an older devenv (0644) is made private too.
    @discardableResult
    public static func write(_ text: String, plan: StackPlan) throws -> String? {
        try GitIgnore.ensureDevenvIgnored(root: plan.manifest.root)   // before the first file that holds a password
        try StateFile.makePrivateFolder(plan.manifest.root + "/.devenv")
        try StateFile.makePrivateFolder(plan.stateDir)
        let before = (try? StateFile.read(plan.composeFile, what: "the compose file")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        if before != text { try AtomicFile.write(text, to: plan.composeFile, newFileMode: 0o600) }
        var st = stat()
        if stat(plan.composeFile, &st) == 0, st.st_mode & 0o077 != 0 { _ = chmod(plan.composeFile, 0o600) }
        return before
    }
}
