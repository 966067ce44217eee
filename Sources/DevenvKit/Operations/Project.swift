import Foundation

/// A loaded project: its manifest, the service kinds it can use and its stack identity.
public struct Project {
    public var manifest: Manifest
    public var templates: TemplateStore
    public var identity: StackIdentity
    public var imageMap: ImageMap
    public var portRange: PortRange
    /// Services whose data `devenv reset` is wiping: damaged credentials may be made anew for them.
    public var resetting: Set<String> = []

    /// Finds `devenv.yml` from the working directory up, loads and validates it.
    /// `branch`: true forces a branch stack for this run (`--branch`).
    public static func load(_ ctx: DevenvContext, branch: Bool = false) throws -> Project {
        guard let file = ManifestLoader.find(from: ctx.cwd) else {
            throw DevenvError.usage("no devenv.yml in \(ctx.cwd) or any folder above it",
                                    hint: "Create one with `devenv init` (e.g. `devenv init --services postgres,redis`).")
        }
        let root = (file as NSString).deletingLastPathComponent
        let templates = try TemplateStore.load(searchPath: TemplateStore.defaultSearchPath(environment: ctx.environment, projectRoot: root))
        let manifest: Manifest
        do { manifest = try ManifestLoader(kindSettings: templates.kindSettings).load(file: file) }
        catch let e as ManifestError { throw e.asDevenvError(cwd: ctx.cwd) }
        var branchName: String?
        if branch || manifest.isolation == .branch {
            guard let b = GitInfo.currentBranch(at: root) else {
                throw DevenvError.usage("branch isolation needs a git repository, and \(root) is not in one",
                                        hint: "Run `git init`, or use `isolation: project`.")
            }
            branchName = b
        }
        return Project(manifest: manifest, templates: templates,
                       identity: StackIdentity(project: manifest.name, root: root, branch: branchName),
                       imageMap: try ImageMap.load(environment: ctx.environment, paths: ctx.paths),
                       portRange: try PortRange.from(environment: ctx.environment))
    }

    public func planner(_ ctx: DevenvContext) -> StackPlanner {
        var p = StackPlanner(templates: templates, imageMap: imageMap, paths: ctx.paths, portRange: portRange)
        p.now = ctx.now
        let engine = ctx.engine
        var recovery = CredentialsRecovery(engine: engine, manifest: manifest, templates: templates, identity: identity, paths: ctx.paths)
        recovery.resetting = resetting
        let output = ctx.output, file = ctx.paths.credentialsFile(identity.stack)
        p.paths.recovery.credentials = { [recovery] _, damaged in
            let (store, recovered) = try recovery.recover(damaged: damaged)
            output.error("note: the credentials \(file) were damaged; "
                + (recovered.isEmpty ? "no service had data yet, so new ones were made" : "recovered the passwords of \(recovered.joined(separator: ", ")) from the stack's containers")
                + "; the damaged file is kept beside it")
            return store
        }
        p.stackHasContainers = { stack in
            guard let list = try? engine.containers(label: "dev.devenv.stack=\(stack)") else { return true }
            return !list.isEmpty
        }
        return p
    }

    public var composeProject: ComposeProject {
        ComposeProject(name: identity.stack, file: StackPlanner.stateDir(root: manifest.root, stack: identity.stack) + "/compose.yaml")
    }

    /// Checks that every named service exists, suggesting the nearest name.
    public func checkServices(_ names: [String]) throws {
        let known = manifest.services.map(\.name)
        for n in names where !known.contains(n) {
            throw DevenvError.usage("no service '\(n)' in \(manifest.file)\(Suggest.hint(n, among: known))",
                                    hint: "Services: \(known.joined(separator: ", ")).")
        }
    }
}

extension ManifestError {
    func asDevenvError(cwd: String) -> DevenvError {
        var e = asDevenvError
        e.message = "\(Paths.relative(file, to: cwd)) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):"
        e.details = lines(relativeTo: cwd).map { "  " + $0 }
        return e
    }
}
