import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// A base refreshed in the background, never while a command waits on it: when a branch had to
/// bring its base forward by more than `threshold` bytes (`CatchUp`), its `up` starts this
/// devenv binary's hidden `refresh-base` command, detached, which takes a new base of the
/// parent once that `up` has ended (so the next branch brings forward little), then removes
/// the parent's older bases no branch is on (and their anchors). Its lines go to the parent's
/// `.devenv/stacks/<stack>/base-refresh.log`.
///
/// It does not hold the parent's lock while it takes the base (a branch of the parent made
/// meanwhile uses the bases that are complete and does not wait for it); the base it takes
/// carries its pid (label `dev.devenv.base-refresh`), so that `BaseVolumes.removeUnused`
/// leaves it while that process lives. Like any base, it is complete only once its record is
/// written: a refresh killed part way leaves a base no branch uses, removed by the next prune.
public enum BaseRefresh {
    static let refreshLabel = "dev.devenv.base-refresh"

    /// Bytes a branch may bring its base forward by before a refresh starts
    /// (`DEVENV_BASE_REFRESH_BYTES`, default 64 MiB; 0 turns refreshes off).
    static func threshold(_ environment: [String: String]) -> Int64 {
        environment["DEVENV_BASE_REFRESH_BYTES"].flatMap { Int64($0) } ?? 64 << 20
    }

    /// After a branch's copy: one detached `refresh-base` per service whose base was brought
    /// forward by `threshold` or more. Nothing happens when it cannot start (the next branch
    /// brings the base forward again). The services it started for.
    @discardableResult
    static func start(_ ctx: DevenvContext, parent: BranchStart.Parent, copies: [BranchCopy.ServiceCopy]) -> [String] {
        let limit = threshold(ctx.environment)
        let behind = copies.filter { c in limit > 0 && (c.caughtUp ?? 0) >= limit }.map(\.service)
        let log = StackPlanner.stateDir(root: parent.entry.root, stack: parent.stack) + "/base-refresh.log"
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return behind.filter { service in
            (try? ctx.runner.detach(command(executable: executable, parent: parent.stack, service: service, after: getpid()), output: log)) != nil
        }
    }

    /// The hidden command (pure).
    public static func command(executable: String, parent: String, service: String, after: Int32) -> Command {
        Command(executable, ["refresh-base", "--stack", parent, "--service", service, "--after", String(after)])
    }

    /// `refresh-base`: waits until the `up` that started it (`after`) has ended (two minutes at
    /// most: `up --attach` stays), then takes a new base of `parent`'s `service` as a branch
    /// would, and prunes the parent's older bases no branch is on.
    public static func run(_ ctx: DevenvContext, parent: String, service: String, after: Int32?) async throws {
        _ = setsid()
        signal(SIGHUP, SIG_IGN)
        if let after {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, kill(after, 0) == 0 { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        guard let entry = try Registry.readOnly(ctx.paths).stacks[parent] else { throw DevenvError("no stack '\(parent)' in the registry") }
        let (_, plan) = try BranchCopy.parentStack(ctx, BranchStart.Parent(stack: parent, entry: entry, volumes: []))
        guard let ps = plan.service(service), let schema = ps.kind?.layered else { throw DevenvError("\(parent)'s \(service) takes no base") }
        guard let container = try ctx.engine.containers(project: parent).first(where: { $0.service == service && $0.state == .running })?.id else {
            throw DevenvError("\(parent)'s \(service) is not running; no base taken")
        }
        let key = CopyPlanning.dataKey(service)
        let from = try VolumeGenerations.load(stateDir: plan.stateDir).names[key] ?? StackVolumes.name(stack: parent, key: key)
        let pair = BranchCopy.Pair(service: service, key: key, image: ps.image, from: from, to: "")
        let job = try BranchCopy.layeredJob(ps, schema, pair: pair, container: container, parent: parent, project: plan.identity.project,
                                            labels: VolumeTask.labels(plan.identity, "base-refresh"))
        let began = Date()
        let made = Locked<[String]>([])
        do {
            let (base, seconds, _) = try await LayeredBranch.base(ctx, job, token: try await LayeredBranch.current(ctx, job), made: made,
                                                                  extraLabels: [(refreshLabel, String(getpid()))])
            ctx.output.print("\(ISO8601DateFormatter().string(from: began)): " + (seconds == 0 ? "\(parent)'s \(service) has not changed since base \(base); nothing taken"
                : String(format: "took base %@ of %@'s %@ in %.1fs", base, parent, service, seconds)))
        } catch {
            let names = made.value
            if !names.isEmpty { _ = try? await ctx.runner.capture(VolumeCommands.remove(names)) }
            throw error
        }
        let removed = try await StackLock.ifFree(ctx, stack: parent) { try await BaseVolumes.removeUnused(ctx, parent: parent, keepNewest: true) } ?? []
        if !removed.isEmpty { ctx.output.print("removed \(removed.count) older base\(removed.count == 1 ? "" : "s") no branch is on: \(removed.joined(separator: ", "))") }
    }

    /// Whether `volume` is a base a live `refresh-base` is taking (no record yet).
    static func beingTaken(_ paths: DevenvPaths, _ volume: VolumeInfo) -> Bool {
        guard !BaseVolumes.isComplete(paths, name: volume.name), let pid = volume.labels[refreshLabel].flatMap({ Int32($0) }), pid > 1 else { return false }
        return kill(pid, 0) == 0
    }
}
