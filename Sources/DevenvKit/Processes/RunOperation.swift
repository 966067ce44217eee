import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv run [--env FILE] -- CMD…`: the command with the stack's managed values in its
/// environment. Reads the plan only (nothing is claimed or written); the runner then execs it.
public struct RunOperation {
    public var command: [String]
    /// One `env:` file whose keys it gets; nil: every managed key (the first file wins where
    /// two set the same key).
    public var envFile: String?
    public var branch: Bool

    public init(command: [String], envFile: String?, branch: Bool) {
        self.command = command; self.envFile = envFile; self.branch = branch
    }

    public func command(_ ctx: DevenvContext) throws -> Command {
        let project = try Project.load(ctx, branch: branch)
        let plan = try project.proposedPlan(ctx)
        guard plan.claimed else {
            throw DevenvError("stack \(plan.identity.stack) has not been started yet, so it has no ports or passwords",
                              hint: "Run `devenv up` first.")
        }
        let env = try Self.environment(plan, file: envFile, cwd: ctx.cwd)
        return Command(command[0], Array(command.dropFirst()), environment: env)
    }

    /// The managed values, of every `env:` target or of `file` (as devenv.yml names it, or a
    /// path from the working directory).
    public static func environment(_ plan: StackPlan, file: String?, cwd: String) throws -> [String: String] {
        let targets = try EnvStage.targets(plan)
        var chosen = targets
        if let file {
            let root = plan.manifest.root
            let fromCwd = Paths.relative(URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path, to: root)
            guard let t = targets.first(where: { $0.path == file || $0.path == fromCwd }) else {
                let names = targets.map(\.path)
                throw DevenvError.usage("'\(file)' is not one of the env: files of \(plan.manifest.file)\(Suggest.hint(file, among: names))",
                                        hint: names.isEmpty ? "devenv.yml writes no .env file." : "Files: \(names.joined(separator: ", ")).")
            }
            chosen = [t]
        }
        var env: [String: String] = [:]
        for t in chosen { for (k, v) in t.values where env[k] == nil { env[k] = v } }
        return env
    }
}
