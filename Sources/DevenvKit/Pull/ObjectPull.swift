import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// `devenv pull SERVICE` for a kind holding objects (its pull.yml has `objects:`): the staging
/// bucket is listed, the keys under `prefixes:` within the size limits are chosen, the local
/// data is saved as snapshot `pull-<time>`, then each object streams from staging into the
/// local bucket through two AWS CLIs on this machine (staging read with your own credentials
/// and endpoint; the local service written at its published endpoint with its own keys).
/// Objects are not masked: `prefixes:` is how personal ones stay on staging.
struct ObjectPull {
    var operation: PullOperation
    var spec: PullSpec
    var objects: PullObjects
    var reach: PullRules.Objects

    func run(_ ctx: DevenvContext, project: Project) async throws -> PullOperation.Outcome? {
        let service = operation.service
        let location = try await source(ctx, project: project)
        guard ProcessRunner.resolve("aws") != nil else {
            throw DevenvError("pull of \(service) needs the AWS CLI (`aws`) on this machine, which reads the staging bucket",
                              hint: "Install it (pip install awscli, or your system's package) and configure your AWS credentials, then run `devenv pull \(service)` again.")
        }
        let plan = try StackSession.with(ctx, project: project) { try ComposeFile.ensure($0) }   // the claim, under the lock
        guard let planned = plan.service(service) else { throw DevenvError.usage("no service '\(service)' in the stack") }
        guard try ctx.engine.containers(project: plan.identity.stack).contains(where: { $0.service == service && $0.state == .running }) else {
            throw DevenvError("\(service) is not running", hint: "Start the stack with `devenv up`, then pull.")
        }
        func value(_ role: String) -> String { reach.values[role].flatMap { planned.value($0) } ?? "" }
        let bucket = objects.bucket ?? value("bucket")
        guard !bucket.isEmpty else {
            throw DevenvError.usage("pull.\(service) names no local bucket and \(service) has none", hint: "Add bucket: NAME to pull.\(service), or buckets: [NAME] to the service.")
        }
        let local = ObjectPullPlan.Local(endpoint: value("endpoint"), accessKey: value("access_key"), secretKey: value("secret_key"),
                                         region: value("region").isEmpty ? "us-east-1" : value("region"), bucket: bucket)

        // 1. The listing only: nothing is copied before every prefix is listed.
        var listed: [ObjectPullPlan.Object] = []
        for prefix in ObjectPullPlan.prefixes(base: location.prefix, objects.prefixes) {
            let r = try await ctx.runner.capture(ObjectPullPlan.list(bucket: location.bucket, prefix: prefix))
            guard r.succeeded else {
                let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true).map { "  | " + $0 }
                throw DevenvError("listing s3://\(location.bucket)/\(prefix) failed (\(spec.source.label)): the source cannot be read",
                                  hint: "Check the bucket's name, your AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and AWS_ENDPOINT_URL_S3 for a non-AWS store. Local data is unchanged.",
                                  details: lines.isEmpty ? ["  (the AWS CLI printed nothing)"] : Array(lines.prefix(8)))
            }
            listed += try ObjectPullPlan.parseListing(r.stdout)
        }
        let (chosen, left) = ObjectPullPlan.select(listed, objects)
        let total = chosen.reduce(Int64(0)) { $0 + $1.size }
        var outcome = PullOperation.Outcome(service: service, source: spec.source.label, dryRun: operation.dryRun, tables: [], skipped: [])
        outcome.objects = .init(from: "s3://\(location.bucket)/\(location.prefix)", into: "s3://\(bucket)", count: chosen.count, bytes: total, left: left,
                                keys: operation.dryRun ? chosen.map(\.key) : nil)
        if operation.dryRun { return outcome }
        if !operation.yes {
            switch ctx.output.confirm("Copy \(chosen.count) objects (\(Snapshot.humanSize(total))) from \(spec.source.label) into \(service)'s bucket \(bucket)? (a snapshot is taken first)") {
            case nil: throw DevenvError.usage("`pull` changes local data and needs --yes when not run on a terminal",
                                              hint: "Run `devenv pull \(service) --yes` (see what it copies with --dry-run).")
            case false?: ctx.output.print("Nothing changed."); return nil
            case true?: break
            }
        }

        let stamp = ISO8601DateFormatter.pullStamp.string(from: ctx.now())
        let snapshot = try await SnapshotOperation(branch: operation.branch).save(ctx, name: "pull-\(stamp)")
        outcome.snapshot = snapshot.name
        ctx.output.error("Saved the local data as snapshot \(snapshot.name) (`devenv snapshot restore \(snapshot.name)` brings it back).")
        // Locked again after the snapshot's own session, on the plan claimed above.
        return try await StackLock.with(ctx, stack: plan.identity.stack) {
            let started = Date()
            let copied = try await copy(ctx, chosen, from: location.bucket, into: local, stateDir: plan.stateDir)
            let record = PullRecord(service: service, source: spec.source.label, database: "s3://\(bucket)", at: ISO8601DateFormatter().string(from: ctx.now()),
                                    snapshot: snapshot.name, seconds: Date().timeIntervalSince(started),
                                    tables: [.init(table: "s3://\(location.bucket)/\(location.prefix)", rows: copied.count, bytes: copied.bytes)], unit: "objects")
            try PullRecord.save(record, stateDir: plan.stateDir)
            outcome.record = record
            return outcome
        }
    }

    /// Copies `chosen` with a progress line per object (every 100th past the first 100).
    private func copy(_ ctx: DevenvContext, _ chosen: [ObjectPullPlan.Object], from bucket: String, into local: ObjectPullPlan.Local,
                      stateDir: String) async throws -> (count: Int, bytes: Int) {
        let dir = stateDir + "/pull-objects"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(Data(chosen.map { $0.key + "\n" }.joined().utf8), to: dir + "/keys")
        try AtomicFile.write(Data(chosen.map { "\($0.size)\n" }.joined().utf8), to: dir + "/sizes")
        let state = Locked((count: 0, bytes: 0, other: [String]()))
        let n = chosen.count
        ctx.output.error("  copying \(n) object\(n == 1 ? "" : "s") (\(Snapshot.humanSize(chosen.reduce(0) { $0 + $1.size }))) from s3://\(bucket) into s3://\(local.bucket)…")
        let status = try await ctx.runner.supervise(ObjectPullPlan.copy(source: bucket, local: local, keys: dir + "/keys", sizes: dir + "/sizes"),
                                                    started: { _ in }, line: { line in
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.first == "devenv-object", f.count == 3, let size = Int(f[1]) else { state.with { $0.other.append(line) }; return }
            let done = state.with { s -> Int in s.count += 1; s.bytes += size; return s.count }
            if done <= 100 || done % 100 == 0 || done == n { ctx.output.error("  \(f[2]): \(Snapshot.humanSize(Int64(size))) (\(done)/\(n))") }
        })
        let result = state.with { $0 }
        guard status == 0 else {
            let lines = result.other.filter { !$0.isEmpty }.prefix(8).map { "  | " + $0 }
            throw DevenvError("copying objects failed after \(result.count) of \(n) (exit status \(status)):",
                              hint: "The objects copied so far stay in s3://\(local.bucket); `devenv snapshot restore` brings back the data saved before the pull.",
                              details: lines.isEmpty ? ["  (the AWS CLI printed nothing)"] : Array(lines))
        }
        return (result.count, result.bytes)
    }

    /// The staging bucket (and the prefix within it) the source names.
    private func source(_ ctx: DevenvContext, project: Project) async throws -> (bucket: String, prefix: String) {
        let text = try await spec.source.text(project: project, ctx: ctx, what: "the staging bucket (s3://bucket or s3://bucket/prefix)",
                                              key: "the bucket", otherwise: "from: { url: \"s3://bucket\" }")
        guard let location = ObjectPullPlan.location(text) else {
            throw DevenvError.usage("\(spec.source.label) is not a bucket (s3://bucket or s3://bucket/prefix)")
        }
        return location
    }
}
