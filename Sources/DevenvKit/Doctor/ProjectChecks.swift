import CurrentPlatform
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Doctor's checks of the project found from the working directory: its manifest, its
/// ports, its `.env` files against git, and stacks it left behind on deleted branches.
struct ProjectChecks {
    let ctx: DevenvContext
    let root: String
    let file: String
    let engineUp: Bool

    func all() async -> [DoctorCheck] {
        let (manifest, project) = manifestCheck()
        let stacks = ((try? Registry.load(ctx.paths))?.stacks ?? [:]).filter { $0.value.root == root }
        return [manifest, kindsCheck(project), portsCheck(stacks: stacks, project: project),
                await envIgnoredCheck(project), envStackCheck(project),
                await branchStacksCheck(stacks: stacks)]
    }

    func manifestCheck() -> (DoctorCheck, Project?) {
        do {
            let p = try Project.load(ctx)
            let names = p.manifest.services.map(\.name).joined(separator: ", ")
            return (.pass("manifest", "\(Paths.relative(file, to: ctx.cwd)) is valid: \(p.manifest.services.count) service(s) (\(names)), stack \(p.identity.stack)"), p)
        } catch let e as DevenvError {
            return (.fail("manifest", ([e.message] + e.details.map { $0.trimmingCharacters(in: .whitespaces) }).joined(separator: " "),
                          fix: "Correct devenv.yml at the lines named, then run `devenv doctor` again."), nil)
        } catch {
            return (.fail("manifest", "\(error)", fix: "Correct devenv.yml, then run `devenv doctor` again."), nil)
        }
    }

    /// Which kinds come from folders, and which built-in kinds those folders replace.
    func kindsCheck(_ project: Project?) -> DoctorCheck {
        guard let catalogue = project?.kinds ?? (try? KindCatalogue.load(searchPath: KindCatalogue.defaultSearchPath(environment: ctx.environment, projectRoot: root))) else {
            return .fail("kinds", "the kinds could not be loaded", fix: "Run `devenv doctor` from the project folder.")
        }
        let builtin = Set(BuiltinKinds.files.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
        let added = catalogue.names.filter { !builtin.contains($0) }
        var parts = ["\(builtin.count) built in"]
        if !added.isEmpty { parts.append("added by folders: \(added.joined(separator: ", "))") }
        for (name, folder) in catalogue.overrides.sorted(by: { $0.key < $1.key }) {
            parts.append("\(name) overridden by \(Paths.relative(folder, to: ctx.cwd))")
        }
        if !catalogue.broken.isEmpty {
            return .fail("kinds", parts.joined(separator: "; ") + "; with problems: " + catalogue.broken.keys.sorted().joined(separator: ", "),
                         fix: "Correct the kind folders' service.yml at the lines `devenv up` names (schema: templates/README.md).")
        }
        return .pass("kinds", parts.joined(separator: "; "))
    }

    /// Every host port this project's stacks hold in the registry (and pinned ports not
    /// registered yet) is free or held by its own stack.
    func portsCheck(stacks: [String: Registry.Entry], project: Project?) -> DoctorCheck {
        var wanted: [(port: Int, owner: String, stack: String?, pinned: Bool)] = []
        for (stack, entry) in stacks.sorted(by: { $0.key < $1.key }) {
            for (key, port) in entry.ports.sorted(by: { $0.value < $1.value }) { wanted.append((port, key, stack, false)) }
        }
        for s in project?.manifest.services ?? [] {
            let pins = [s.pinnedPort].compactMap { $0 } + s.ports.compactMap(\.pinnedHost)
            for port in pins where !wanted.contains(where: { $0.port == port }) { wanted.append((port, s.name, nil, true)) }
        }
        guard !wanted.isEmpty else { return .pass("ports", "no ports registered for this project yet (`devenv up` assigns them)") }

        var own: [String: Set<Int>] = [:]
        var conflicts: [String] = [], pinnedConflict = false
        for w in wanted where !PortProbe.isFree(w.port) {
            if let stack = w.stack, engineUp {
                if own[stack] == nil {
                    own[stack] = Set(((try? ctx.engine.containers(project: stack)) ?? []).flatMap { $0.ports.compactMap(\.publicPort) })
                }
                if own[stack]!.contains(w.port) { continue }
            }
            let holder = describeHolder(port: w.port)
            if holder == nil && !engineUp { continue }   // docker-proxy, and no engine to say whose
            conflicts.append("\(w.port) (\(w.owner)\(w.stack.map { " of stack \($0)" } ?? ", pinned")) is held by \(holder ?? "another process")")
            pinnedConflict = pinnedConflict || w.pinned || isPinned(w.owner, project: project)
        }
        guard conflicts.isEmpty else {
            return .fail("ports", conflicts.joined(separator: "; "),
                         fix: pinnedConflict
                            ? "Stop what holds a pinned port (`kill PID`, `docker stop CONTAINER`) or change its `port:` in devenv.yml."
                            : "Run `devenv up`: it moves the stack's allocated ports to free ones and rewrites the .env files. Or stop the holder (`kill PID`, `docker stop CONTAINER`).")
        }
        return .pass("ports", "\(wanted.count) port(s) of \(max(stacks.count, 1)) stack(s) are free or held by their own stack")
    }

    func isPinned(_ key: String, project: Project?) -> Bool {
        let service = key.split(separator: ".").first.map(String.init) ?? key
        guard let s = project?.manifest.service(named: service) else { return false }
        return s.pinnedPort != nil || s.ports.contains { $0.pinnedHost != nil }
    }

    /// Who holds `port`, by the engine's word first (``PortOwners``): `container web-1
    /// (compose project shop)`, `python3 -m http.server 8000 (pid 4242, user alice)`; nil when
    /// nothing listens.
    func describeHolder(port: Int) -> String? {
        var owners = PortOwners(engine: engineUp ? ctx.engine : nil)
        return owners.owner(of: port)?.summary
    }

    /// Every `.env` file devenv writes is ignored by git (they hold passwords).
    func envIgnoredCheck(_ project: Project?) async -> DoctorCheck {
        guard GitInfo.gitDirectory(from: root) != nil else {
            return .pass("env-ignored", "\(root) is not in a git repository: nothing to keep out of git")
        }
        guard let project else { return .skipped("env-ignored", needs: "manifest") }
        let targets = project.manifest.envTargets.isEmpty ? [".env"] : project.manifest.envTargets.map(\.path)
        var notIgnored: [String] = [], tracked: [String] = []
        for path in targets {
            guard let r = try? await ctx.runner.capture(DoctorCommands.checkIgnore(root: root, path: path)) else {
                return .fail("env-ignored", "cannot run git", fix: "Install git (Debian: apt-get install git).")
            }
            if r.status == 0 { continue }
            if r.status != 1 { return .fail("env-ignored", "git check-ignore failed: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))", fix: "Run `git status` in \(root) and repair the repository.") }
            notIgnored.append(path)
            if (try? await ctx.runner.capture(DoctorCommands.tracked(root: root, path: path)))?.status == 0 { tracked.append(path) }
        }
        guard notIgnored.isEmpty else {
            let lines = notIgnored.map { "/" + $0 }.joined(separator: "\\n")
            var fix = "Add \(notIgnored.count == 1 ? "it" : "them") to .gitignore: `printf '\(lines)\\n' >> .gitignore`."
            if !tracked.isEmpty { fix += " Stop tracking: `git rm --cached \(tracked.joined(separator: " "))` (and rotate the secrets already committed: `devenv down --volumes` then `up`)." }
            let what = notIgnored.map { $0 + (tracked.contains($0) ? " (tracked!)" : "") }.joined(separator: ", ")
            return .fail("env-ignored", "not ignored by git: \(what); these files hold passwords", fix: fix)
        }
        return .pass("env-ignored", "ignored by git: \(targets.joined(separator: ", "))")
    }

    /// No `.env` file of the project points at another stack than this folder's branch uses.
    func envStackCheck(_ project: Project?) -> DoctorCheck {
        guard let project, let plan = try? project.proposedPlan(ctx) else { return .skipped("env-stack", needs: "manifest") }
        let found = EnvStackMismatch.scan(plan, paths: ctx.paths)
        guard found.isEmpty else {
            return .fail("env-stack", found.map(\.summary).joined(separator: "; ") + ", not \(plan.identity.stack), the stack of this folder's branch",
                         fix: EnvStackMismatch.fix)
        }
        return .pass("env-stack", "the .env files point at \(plan.identity.stack), the stack of this folder\(plan.identity.branch.map { "'s branch \($0)" } ?? "")")
    }

    /// Stacks of this project whose branch no longer exists.
    func branchStacksCheck(stacks: [String: Registry.Entry]) async -> DoctorCheck {
        let branchStacks = stacks.filter { $0.value.branch != nil }.sorted { $0.key < $1.key }
        guard !branchStacks.isEmpty else { return .pass("branch-stacks", "no branch stacks for this project") }
        var branches = Set<String>()
        if GitInfo.gitDirectory(from: root) != nil {
            guard let r = try? await ctx.runner.capture(DoctorCommands.branches(root: root)), r.succeeded else {
                return .fail("branch-stacks", "cannot list the git branches of \(root)", fix: "Install git, or run `git branch` in \(root) to see what is wrong.")
            }
            branches = Set(r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            if let current = GitInfo.currentBranch(at: root) { branches.insert(current) }
        }
        let stale = branchStacks.filter { !branches.contains($0.value.branch ?? "") }
        guard stale.isEmpty else {
            let list = stale.map { "\($0.key) (branch \($0.value.branch ?? "?"))" }.joined(separator: ", ")
            return .fail("branch-stacks", "\(stale.count) stack(s) of deleted branches: \(list)",
                         fix: "Remove them with `devenv gc` (it asks first; their data goes), or one by one: "
                            + stale.map { "`docker compose --project-name \($0.key) down --volumes`" }.joined(separator: ", ") + ".")
        }
        return .pass("branch-stacks", "\(branchStacks.count) branch stack(s), each on an existing branch")
    }
}
