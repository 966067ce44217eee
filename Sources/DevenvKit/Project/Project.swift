import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A loaded project: its manifest validated once (services, kinds, settings, `env:` keys,
/// seeds, staging, ports), the kinds it can use, its stack identity. Loading touches no
/// engine and writes nothing.
public struct Project {
    public var manifest: Manifest
    public var kinds: KindCatalogue
    public var identity: StackIdentity
    public var imageMap: ImageMap
    public var portRange: PortRange
    /// `seed:`, read by each kind's seed schema, files checked (when the manifest loaded).
    public var seeds: [SeedItem] { manifest.seeds }
    /// `staging:`, when the manifest has it (typed when the manifest loaded).
    public var staging: StagingConfig? { manifest.staging }
    /// Services whose data `devenv reset` is wiping: damaged credentials may be made anew for them.
    public var resetting: Set<String> = []

    /// Finds `devenv.yml` from the working directory up, loads and validates it: every
    /// problem at once (exit 2), before anything else happens.
    /// `branch`: true forces a branch stack for this run (`--branch`).
    public static func load(_ ctx: DevenvContext, branch: Bool = false) throws -> Project {
        guard let file = ManifestLoader.find(from: ctx.cwd) else {
            throw DevenvError.usage("no devenv.yml in \(ctx.cwd) or any folder above it",
                                    hint: "Create one with `devenv init` (e.g. `devenv init --services postgres,redis`).")
        }
        let root = (file as NSString).deletingLastPathComponent
        let kinds = try KindCatalogue.load(searchPath: KindCatalogue.defaultSearchPath(environment: ctx.environment, projectRoot: root))
        let imageMap = try ImageMap.load(environment: ctx.environment, paths: ctx.paths)
        let loader = ManifestLoader(kinds: kinds) { m in
            let branchName = branch || m.isolation == .branch ? GitInfo.currentBranch(at: root) : nil
            return SpecValidation.seedContexts(m, kinds: kinds, identity: StackIdentity(project: m.name, root: root, branch: branchName), imageMap: imageMap)
        }
        let (read, problems) = try loader.read(file: file)
        guard let manifest = read else { throw ManifestError(file: file, problems: problems).asDevenvError(cwd: ctx.cwd) }
        var branchName: String?
        if branch || manifest.isolation == .branch {
            guard let b = GitInfo.currentBranch(at: root) else {
                throw DevenvError.usage("branch isolation needs a git repository, and \(root) is not in one",
                                        hint: "Run `git init`, or use `isolation: project`.")
            }
            branchName = b
        }
        let identity = StackIdentity(project: manifest.name, root: root, branch: branchName)
        let checked = SpecValidation.run(manifest, kinds: kinds, identity: identity, imageMap: imageMap)
        let all = problems + checked.problems
        if !all.isEmpty { throw ManifestError(file: file, problems: all).asDevenvError(cwd: ctx.cwd) }
        return Project(manifest: manifest, kinds: kinds, identity: identity, imageMap: imageMap,
                       portRange: try PortRange.from(environment: ctx.environment))
    }

    public var planner: StackPlanner { StackPlanner(kinds: kinds, imageMap: imageMap) }

    /// The claim step, with damaged credentials recovered from the stack's containers
    /// (`CredentialsRecovery`). `saving`: the recovered file is written (a claim) or only used
    /// (a read-only plan).
    public func claim(_ ctx: DevenvContext, saving: Bool = true) -> Claim {
        var paths = ctx.paths
        var recovery = CredentialsRecovery(engine: ctx.engine, manifest: manifest, templates: kinds, identity: identity, paths: ctx.paths)
        recovery.resetting = resetting
        let output = ctx.output, file = ctx.paths.credentialsFile(identity.stack)
        paths.recovery.credentials = { [recovery] _, damaged in
            let (store, recovered) = try recovery.recover(damaged: damaged)
            let what = recovered.isEmpty ? "no service had data yet, so new ones " + (saving ? "were made" : "will be made by `devenv up`")
                : "recovered the passwords of \(recovered.joined(separator: ", ")) from the stack's containers"
            output.errorOnce(key: "recovered " + file, "note: the credentials \(file) were damaged; \(what)" + (saving ? "; the damaged file is kept beside it" : ""))
            return store
        }
        var c = Claim(paths: paths, portRange: portRange)
        c.now = ctx.now
        let engine = ctx.engine
        c.stackHasContainers = { stack in
            guard let list = try? engine.containers(label: "dev.devenv.stack=\(stack)") else { return true }
            return !list.isEmpty
        }
        return c
    }

    /// The plan from what the stack already has, or would get: reads the registry and the
    /// credentials, writes nothing (`status`, `compose config`, `env --check`, `mirror --dry-run`).
    public func proposedPlan(_ ctx: DevenvContext) throws -> StackPlan { try plan(try proposedClaims(ctx)) }

    /// The ports and secrets the stack has, or would get (writes nothing).
    func proposedClaims(_ ctx: DevenvContext) throws -> Claims {
        let p = planner
        return try claim(ctx, saving: false).propose(p.portRequests(manifest), identity: identity, composeFile: composeProject.file,
                                                     secrets: p.secretNeeds(manifest))
    }

    /// Reserves the stack's ports and credentials; the caller holds the stack lock (the claim
    /// is `StackSession`'s). `touch`: counts as using the stack (its last use is now).
    func claimedClaims(_ ctx: DevenvContext, touch: Bool, proposed: Credentials.Store = [:]) throws -> Claims {
        let p = planner
        return try claim(ctx).claim(p.portRequests(manifest), identity: identity, composeFile: composeProject.file,
                                    secrets: p.secretNeeds(manifest), touch: touch, proposed: proposed)
    }

    /// The stack's plan with `claims` (pure but for the volume generations it reads).
    func plan(_ claims: Claims) throws -> StackPlan {
        try planner.plan(manifest, identity: identity, claims: claims).withVolumeGenerations()
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
    package func asDevenvError(cwd: String) -> DevenvError {
        var e = asDevenvError
        e.message = "\(Paths.relative(file, to: cwd)) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):"
        e.details = lines(relativeTo: cwd).map { "  " + $0 }
        return e
    }
}
