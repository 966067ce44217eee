import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// The layered side of `BranchCopy`: which jobs layer, and making their volumes first.
extension BranchCopy {
    /// Gives each job whose kind has `copy.layered`, whose parent service runs and whose only
    /// volume is its data volume its layered job (else it is copied as before).
    static func attachLayered(_ ctx: DevenvContext, _ jobs: inout [CopyJob], running: [String: String], parent: String,
                              parentPlan: StackPlan, labels: [(String, String)]) {
        let layersOff = ctx.environment["DEVENV_BRANCH_LAYERS"] == "off"   // copy, as kinds without layers do
        for (i, job) in jobs.enumerated() where !layersOff {
            guard let container = running[job.service], let ps = parentPlan.service(job.service), let kind = ps.kind, let schema = kind.layered,
                  job.pairs.count == 1, let pair = job.pairs.first, pair.key == CopyPlanning.dataKey(job.service) else { continue }
            do {
                jobs[i].layered = try layeredJob(ps, schema, pair: pair, container: container, parent: parent, project: parentPlan.identity.project, labels: labels)
                if case .run? = kind.rotate, !kind.secrets.isEmpty, kind.dataPath != nil { jobs[i].layered?.rotates = true }
            } catch {
                jobs[i].notLayered = "its copy.layered could not be rendered: \(error)"
            }
        }
    }

    /// One parent service's layered job (its `copy.layered` rendered against the parent's
    /// service, in its running `container`), for the branch volume `pair.to`.
    static func layeredJob(_ ps: PlannedService, _ schema: LayeredSchema, pair: Pair, container: String, parent: String, project: String,
                           labels: [(String, String)]) throws -> LayeredBranch.Job {
        guard let kind = ps.kind else { throw DevenvError("\(ps.name) has no kind") }
        let newBase = LayeredBranch.newBaseName(pair.from)
        let current = try schema.current.map { try CopyPlanning.readCommand($0, context: ps.context, templates: kind.templates, parentContainer: container) }
        let catchup = try schema.catchup.flatMap { c in try kind.dataPath.map { data in
            try CatchUp.job(c, context: ps.context, templates: kind.templates, image: ps.image, parentContainer: container, dataPath: data, newBase: newBase)
        } }
        var baseContext = ps.context
        baseContext["anchor"] = catchup?.newAnchor ?? ""
        let base = try CopyPlanning.liveCommand(schema.base, context: baseContext, templates: kind.templates, image: ps.image, parentContainer: container,
                                                target: newBase, labels: labels)
        return LayeredBranch.Job(pair: pair, parentStack: parent, project: project, current: current, base: base, newBase: newBase, catchup: catchup)
    }

    /// Each layered job in turn (they share the parent's lock, and a base is taken once per
    /// parent state). A job that fails is copied instead: it leaves `jobs` with `notLayered`
    /// set; one that succeeds leaves `jobs` altogether.
    static func runLayered(_ ctx: DevenvContext, _ jobs: inout [CopyJob], identity: StackIdentity,
                           arrivals: Arrivals? = nil) async throws -> [ServiceCopy] {
        var out: [ServiceCopy] = []
        for (i, job) in jobs.enumerated() {
            guard let l = job.layered else { continue }
            let began = Date()
            let placed = Locked<Date?>(nil)
            do {
                let service = job.service
                let o = try await LayeredBranch.make(ctx, l, labels: identity.labels, taskLabels: VolumeTask.labels(identity, "branch-copy"),
                                                     rotateLabels: VolumeTask.labels(identity, "branch-rotate")) { rotating in
                    placed.with { $0 = Date() }
                    arrivals?.arrived([service], rotating: rotating)
                } rotated: { arrivals?.rotated() }
                // The layer's own time: until it showed the data (a rotation run with it is timed apart).
                let seconds = (o.rotated == nil || o.method == .reflink ? Date() : placed.value ?? Date()).timeIntervalSince(began)
                var c = ServiceCopy(service: job.service, method: .layered, seconds: seconds, parentUnavailable: 0)
                c.base = o.base; c.baseReused = o.reused; c.baseSeconds = o.baseSeconds
                c.layer = o.method; c.reflinkFailed = o.reflinkFailed; c.rotated = o.rotated
                c.caughtUp = o.caughtUp; c.caughtUpSeconds = o.caughtUpSeconds
                out.append(c)
            } catch let failed as CatchUp.Failed {
                throw failed
            } catch {
                jobs[i].notLayered = (error as? DevenvError)?.message ?? "\(error)"
            }
        }
        let done = Set(out.map(\.service))
        jobs.removeAll { done.contains($0.service) }
        return out
    }
}
