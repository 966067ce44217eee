import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv reset [SERVICE]`: deletes a service's data (its containers and data volumes),
/// forgets its seeds in the ledger, then runs `up` for it — which starts it on empty data,
/// waits until it answers, runs its setup and applies its seeds again.
public struct ResetOperation {
    /// Only this service (nil: every service of the stack).
    public var service: String?
    public var yes = false
    public var branch = false
    public var timeout: TimeInterval = 120

    public init(service: String?, yes: Bool, branch: Bool) {
        self.service = service; self.yes = yes; self.branch = branch
    }

    public struct Outcome {
        /// The volumes deleted.
        public var removed: [String]
        public var up: UpOperation.Outcome
    }

    /// Nil when the user said no.
    public func run(_ ctx: DevenvContext) async throws -> Outcome? {
        var project = try Project.load(ctx, branch: branch)
        if let service { try project.checkServices([service]) }
        project.resetting = Set(service.map { [$0] } ?? project.manifest.services.map(\.name))
        try ctx.engine.ping()
        let stack = project.identity.stack
        let what = service.map { "the data of \($0)" } ?? "all data"
        if !yes {
            switch ctx.output.confirm("Delete \(what) in stack '\(stack)' and seed it again?") {
            case nil:
                throw DevenvError.usage("`reset` deletes data and needs --yes when not run on a terminal",
                                        hint: "Run `devenv reset\(service.map { " " + $0 } ?? "") --yes`.")
            case false?: ctx.output.print("Nothing changed."); return nil
            case true?: break
            }
        }
        var removed: [String] = []
        let names: [String] = try await StackSession.with(ctx, project: project, ping: false) { session in   // pinged before asking
            let plan = try ComposeFile.ensure(session)
            let services = plan.services.filter { service == nil || $0.name == service }
            let names = services.map(\.name)
            let ledgerPath = SeedLedger.path(stateDir: plan.stateDir)
            var ledger: SeedLedger
            do { ledger = try SeedLedger.load(ledgerPath) } catch let e as DevenvError where service == nil {
                // Every service's data goes: a damaged ledger has nothing left to say (kept beside it).
                guard let data = try StateFile.read(ledgerPath, what: "the seed ledger") else { throw e }
                try Registry.keepDamaged(ledgerPath, data)
                ledger = SeedLedger()
            }
            do { try await ctx.runner.check(Compose.remove(project.composeProject, services: names)) }
            catch let f as CommandFailure { throw Compose.explain(f) }
            let volumes = StackVolumes.present(plan, services: services, existing: try StackVolumes.existing(ctx.engine, stack: stack)).map(\.volume)
            if !volumes.isEmpty {
                let r = try await ctx.runner.capture(VolumeCommands.remove(volumes))
                guard r.succeeded else {
                    throw DevenvError("could not delete \(volumes.joined(separator: ", "))", hint: "See `docker volume ls`; another container may still use it.",
                                      details: r.stderr.split(separator: "\n").suffix(5).map { "  | " + $0 })
                }
                removed = volumes
            }
            for n in names { ledger.forget(service: n) }
            try ledger.save(ledgerPath)
            return names
        }
        var up = UpOperation()
        up.services = service == nil ? [] : names
        up.timeout = timeout
        up.branch = branch
        return Outcome(removed: removed, up: try await up.run(ctx))
    }
}
