import DevenvPlan
import Foundation
import Testing

/// Issue 25: the mongodb, rustfs and minio kinds end to end, on the test bed's stand-ins
/// (SecantusDB behind the `mongo` image's contract; Ceph radosgw, which checks SigV4, behind
/// MinIO's and RustFS's; a boto3 `mc`). Real clients on the host — pymongo and boto3, run by
/// python3 — reach the services only through 127.0.0.1 and the values devenv wrote in `.env`
/// files; passwords reach them in their environment, never an argv. Also the two seed stacks
/// from examples/ (MyFlow: MongoDB; Rorun: Postgres, Redis and MinIO), each brought up by one
/// `devenv up`, and the argv scan during MongoDB and S3 seeding. One stack per test, shared by
/// its related checks; deadlines bound a hang, nothing is timed.
@Suite(.serialized, .endToEnd) struct MongoS3Tests {
    // MARK: MongoDB

    static let mongoManifest = """
    services:
      mongodb: { version: "7.0", databases: [app] }
    seed:
      mongodb:
        app.users: seeds/users.json
        app.events: seeds/events.ndjson
    """

    @Test func mongodbProbeSeedsLedgerSnapshotBranchAndReset() throws {
        try ProjectFixture.with("mongo") { p in
            try p.manifest(Self.mongoManifest)
            try p.write("seeds/users.json", "[\n  {\"_id\": 1, \"name\": \"ada\"},\n  {\"_id\": 2, \"name\": \"bob\"}\n]\n")
            try p.write("seeds/events.ndjson", "{\"_id\": 1, \"kind\": \"login\"}\n{\"_id\": 2, \"kind\": \"upload\"}\n{\"_id\": 3, \"kind\": \"logout\"}\n")
            try Self.gitRepo(p)

            // `up`, every command line on the machine looked at while it seeds.
            let up = try Self.scanningArgv(p, ["up"], tool: { $0.contains("mongoimport") })
            #expect(up.status == 0, "up failed: \(up.stderr)")
            #expect(up.leaks.isEmpty, "a password in an argv during MongoDB seeding: \(up.leaks)")
            #expect(up.toolLines > 0, "the scan saw mongoimport's command line (\(up.seen) looked at)")
            FaultFigures.report("argv scan during mongodb seeding: \(up.seen) command lines looked at, \(up.toolLines) of mongoimport, \(up.leaks.count) with a password")
            #expect(up.stdout.contains("mongodb: ready"), "\(up.stdout)")
            #expect(up.stdout.contains("Seeded mongodb (app.users) from seeds/users.json"), "\(up.stdout)")
            #expect(up.stdout.contains("Seeded mongodb (app.events) from seeds/events.ndjson"))

            // The probe waited: the first contact after `up` answers, through the written URL.
            let env = try p.dotenv()
            let url = try #require(env["MONGODB_URL"])
            #expect(env["MONGODB_URI"] == url)
            #expect(url.hasPrefix("mongodb://devenv:") && url.contains("@127.0.0.1:") && url.hasSuffix("/app?authSource=admin"), "\(url)")
            #expect(try p.service("mongodb")["health"] as? String == "ready")
            #expect(try Self.mongo(url, "print(client.admin.command('ping')['ok'])", selection: 5) == "1.0")
            let wrong = try Self.mongo(Self.withPassword(url, "not-the-password"), """
            try:
                db.users.count_documents({}); print('accepted')
            except pymongo.errors.OperationFailure as e:
                print('refused', e.code)
            """)
            #expect(wrong == "refused 18", "a wrong password is refused (AuthenticationFailed): \(wrong)")

            // The JSON array and the NDJSON file, in app.users and app.events.
            #expect(try Self.names(url) == "ada,bob")
            #expect(try Self.mongo(url, "print(db.events.count_documents({}), db.events.find_one({'_id': 2})['kind'])") == "3 upload")
            let ledgerPath = ".devenv/stacks/\(p.name)/seeds.json"
            let ledger = try p.read(ledgerPath)
            for f in ["seeds/users.json", "seeds/events.ndjson"] { #expect(ledger.contains("\"file\" : \"\(f)\""), "\(ledger)") }
            let again = try p.devenv(["up"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(!again.stdout.contains("Seeded"), "the ledger skips applied seeds: \(again.stdout)")
            #expect(try Self.mongo(url, "print(db.users.count_documents({}), db.events.count_documents({}))") == "2 3")
            #expect(try p.read(ledgerPath) == ledger)

            // snapshot save, change, restore.
            let save = try p.devenv(["snapshot", "save", "seeded"])
            #expect(save.status == 0, "\(save.stderr)")
            #expect(try Self.names(url) == "ada,bob", "MongoDB answers again after the save")
            _ = try Self.mongo(url, "db.users.delete_many({}); db.users.insert_one({'_id': 9, 'name': 'stray'}); db.later.insert_one({'x': 1})")
            #expect(try Self.names(url) == "stray")
            let restore = try p.devenv(["snapshot", "restore", "seeded"])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(try Self.names(url) == "ada,bob")
            #expect(try Self.mongo(url, "print(db.events.count_documents({}), 'later' in db.list_collection_names())") == "3 False")

            // A branch stack starts with the parent's documents; the parent keeps its own.
            _ = try Self.mongo(url, "db.users.insert_one({'_id': 3, 'name': 'main-only'})")
            try p.git(["checkout", "-q", "-b", "feature/mongo"])
            let branch = try p.devenv(["up", "--branch"])
            #expect(branch.status == 0, "\(branch.stderr)")
            #expect(branch.stdout.contains("starts with \(p.name)'s data"), "\(branch.stdout)")
            #expect(!branch.stdout.contains("Seeded"), "the copied ledger says the seeds are in the data")
            let branchURL = try #require(try p.dotenv()["MONGODB_URL"])
            #expect(branchURL != url, ".env points at the branch stack")
            #expect(try Self.names(branchURL) == "ada,bob,main-only")
            #expect(try Self.mongo(branchURL, "print(db.events.count_documents({}))") == "3")
            _ = try Self.mongo(branchURL, "db.users.insert_one({'_id': 4, 'name': 'branch-only'})")
            #expect(try Self.names(url) == "ada,bob,main-only", "the branch's document is not in the parent")

            // reset: the project stack's MongoDB from empty data, seeded again; the branch keeps its data.
            #expect(try p.devenv(["reset", "mongodb"]).status == 2, "reset without a terminal needs --yes")
            let reset = try p.devenv(["reset", "mongodb", "--yes"])
            #expect(reset.status == 0, "\(reset.stderr)")
            #expect(reset.stdout.contains("deleted \(p.name)_mongodb-data"), "\(reset.stdout)")
            #expect(reset.stdout.contains("Seeded mongodb (app.users) from seeds/users.json"))
            #expect(reset.stdout.contains("Seeded mongodb (app.events) from seeds/events.ndjson"))
            let resetURL = try #require(try p.service("mongodb")["url"] as? String)
            #expect(try Self.names(resetURL) == "ada,bob", "main-only went with the old data")
            #expect(try Self.mongo(resetURL, "print(db.events.count_documents({}))") == "3")
            #expect(try Self.names(branchURL) == "ada,bob,main-only,branch-only")
        }
    }

    // MARK: S3 (rustfs and minio)

    static let s3Manifest = """
    services:
      rustfs: { buckets: [uploads, avatars] }
      minio: { buckets: [archive] }
    env:
      rustfs/.env:
        S3_ENDPOINT: "{{rustfs.endpoint}}"
        AWS_ACCESS_KEY_ID: "{{rustfs.access_key}}"
        AWS_SECRET_ACCESS_KEY: "{{rustfs.secret_key}}"
        AWS_REGION: "{{rustfs.region}}"
        S3_BUCKET: "{{rustfs.bucket}}"
        S3_FORCE_PATH_STYLE: "true"
      minio/.env:
        S3_ENDPOINT: "{{minio.endpoint}}"
        AWS_ACCESS_KEY_ID: "{{minio.access_key}}"
        AWS_SECRET_ACCESS_KEY: "{{minio.secret_key}}"
        AWS_REGION: "{{minio.region}}"
        S3_BUCKET: "{{minio.bucket}}"
        S3_FORCE_PATH_STYLE: "true"
    seed:
      rustfs: { media: seeds/media/ }
      minio: { media: seeds/media/ }
    """

    /// The two kinds, the buckets each declares (sorted, with the seeded `media`), its first bucket.
    static let s3Kinds = [("rustfs", "avatars,media,uploads", "uploads"), ("minio", "archive,media", "archive")]

    @Test func s3KindsCreateBucketsSeedSnapshotAndBranch() throws {
        try ProjectFixture.with("s3") { p in
            try p.manifest(Self.s3Manifest)
            try p.write("seeds/media/hello.txt", "hello from a seed\n")
            try p.write("seeds/media/img/logo.json", "{\"logo\": true}\n")
            try p.write("seeds/media/.hidden", "not uploaded\n")
            try Self.gitRepo(p)

            let up = try Self.scanningArgv(p, ["up"], tool: { $0.contains("pipe") && $0.contains("local/") })
            #expect(up.status == 0, "up failed: \(up.stderr)")
            #expect(up.leaks.isEmpty, "a secret key in an argv during S3 seeding: \(up.leaks)")
            #expect(up.toolLines > 0, "the scan saw `mc pipe`'s command lines (\(up.seen) looked at)")
            FaultFigures.report("argv scan during rustfs+minio seeding: \(up.seen) command lines looked at, \(up.toolLines) of mc pipe, \(up.leaks.count) with a secret")
            for (kind, _, _) in Self.s3Kinds {
                #expect(up.stdout.contains("\(kind): ready"), "\(up.stdout)")
                #expect(up.stdout.contains("Seeded \(kind) (media/hello.txt) from seeds/media/hello.txt"), "\(up.stdout)")
                #expect(up.stdout.contains("Seeded \(kind) (media/img/logo.json) from seeds/media/img/logo.json"))
            }
            #expect(!up.stdout.contains(".hidden"))

            var parent: [String: [String: String]] = [:]
            for (kind, buckets, first) in Self.s3Kinds {
                let env = try p.dotenv(at: p.root + "/" + kind)
                parent[kind] = env
                #expect(env["S3_BUCKET"] == first && env["AWS_REGION"] == "us-east-1" && env["S3_ENDPOINT"]?.hasPrefix("http://127.0.0.1:") == true, "\(kind): \(env)")
                #expect(try Self.s3(env, "print(buckets())") == buckets, "\(kind): up created the declared buckets")
                #expect(try Self.s3(env, "print(keys('media'))") == "hello.txt,img/logo.json", "\(kind): the seeded objects, hidden files skipped")
                #expect(try Self.s3(env, """
                print(get('media', 'hello.txt').strip(), s3.head_object(Bucket='media', Key='img/logo.json')['ContentType'])
                """) == "hello from a seed application/json", "\(kind)")
                #expect(try Self.s3(env, """
                s3.put_object(Bucket=os.environ['S3_BUCKET'], Key='notes/first.txt', Body=b'from the host', ContentType='text/plain')
                print(get(os.environ['S3_BUCKET'], 'notes/first.txt'))
                """) == "from the host", "\(kind): boto3 puts and gets with the .env values")
                var wrong = env
                wrong["AWS_SECRET_ACCESS_KEY"] = String(repeating: "w", count: 40)
                #expect(try Self.s3(wrong, """
                try:
                    s3.list_buckets(); print('accepted')
                except botocore.exceptions.ClientError as e:
                    print('refused', e.response['Error']['Code'])
                """) == "refused SignatureDoesNotMatch", "\(kind): a wrong secret is refused")
            }
            let again = try p.devenv(["up"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(!again.stdout.contains("Seeded"), "the ledger skips applied seeds: \(again.stdout)")

            // snapshot save, change, restore.
            let save = try p.devenv(["snapshot", "save", "objects"])
            #expect(save.status == 0, "\(save.stderr)")
            for (kind, _, first) in Self.s3Kinds {
                let env = try #require(parent[kind])
                _ = try Self.s3(env, "s3.delete_object(Bucket='media', Key='hello.txt'); s3.delete_object(Bucket='\(first)', Key='notes/first.txt'); s3.put_object(Bucket='\(first)', Key='later.txt', Body=b'x')")
                #expect(try Self.s3(env, "print(keys('media'), keys('\(first)'))") == "img/logo.json later.txt", "\(kind)")
            }
            let restore = try p.devenv(["snapshot", "restore", "objects"])
            #expect(restore.status == 0, "\(restore.stderr)")
            for (kind, buckets, first) in Self.s3Kinds {
                let env = try #require(parent[kind])
                #expect(try Self.s3(env, "print(buckets(), keys('media'), keys('\(first)'), get('\(first)', 'notes/first.txt'))")
                        == "\(buckets) hello.txt,img/logo.json notes/first.txt from the host", "\(kind): the snapshot's objects are back")
            }

            // A branch stack starts with the parent's buckets and objects.
            try p.git(["checkout", "-q", "-b", "feature/s3"])
            let branch = try p.devenv(["up", "--branch"])
            #expect(branch.status == 0, "\(branch.stderr)")
            #expect(branch.stdout.contains("starts with \(p.name)'s data"), "\(branch.stdout)")
            #expect(!branch.stdout.contains("Seeded"))
            for (kind, buckets, first) in Self.s3Kinds {
                let env = try p.dotenv(at: p.root + "/" + kind)
                #expect(env["S3_ENDPOINT"] != parent[kind]?["S3_ENDPOINT"], "\(kind): .env points at the branch stack")
                #expect(try Self.s3(env, "print(buckets(), keys('media'), get('\(first)', 'notes/first.txt'))")
                        == "\(buckets) hello.txt,img/logo.json from the host", "\(kind): the branch has the parent's objects")
                _ = try Self.s3(env, "s3.put_object(Bucket='\(first)', Key='branch-only.txt', Body=b'b')")
                #expect(try Self.s3(try #require(parent[kind]), "print(keys('\(first)'))") == "notes/first.txt", "\(kind): the branch's object is not in the parent")
            }
        }
    }

    // MARK: The seed stacks from examples/

    @Test func myflowExampleComesUpWithOneUp() throws {
        try ProjectFixture.with("myflow") { p in
            try Self.example(p, "myflow")
            try p.trust()
            let up = try p.devenv(["up", "--detach"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            #expect(up.stdout.contains("Seeded mongodb (myflow.contexts) from seeds/contexts.json"), "\(up.stdout)")
            #expect(up.stdout.contains("Seeded mongodb (myflow.flows) from seeds/flows.ndjson"))

            let api = try p.dotenv(at: p.root + "/my_flow_api")
            let url = try #require(api["MONGODB_URI"])
            #expect(api["MONGODB_URL"] == url && api["MONGODB_DB_NAME"] == "myflow", "\(api.keys.sorted())")
            let process = try #require(try ProcessTests.processes(p)["api"])
            let port = try #require(process["port"] as? Int)
            #expect(process["state"] as? String == "running" && process["ready"] as? Bool == true, "\(process)")
            let client = try Self.envFile(p.root + "/my_flow_client/.env.local")
            #expect(client["NEXT_PUBLIC_API_URL"] == "http://localhost:\(port)")

            // The API read MONGODB_URI, wrote its marker, and serves what it found.
            #expect(try Self.mongo(url, "d = db.devenv_markers.find_one({'_id': 'api'}); print(d['port'], d['contexts'], d['flows'])") == "\(port) 3 4")
            let health = ProcessTests.get(port, "/health") ?? ""
            #expect(health.contains("\"database\": \"myflow\"") && health.contains("\"contexts\": 3"), "\(health)")

            let down = try p.devenv(["down"])
            #expect(down.status == 0 && down.stdout.contains("Stopped processes api"), "\(down.stdout)\(down.stderr)")
        }
    }

    @Test func rorunExampleComesUpWithOneUp() throws {
        try ProjectFixture.with("rorun") { p in
            try Self.example(p, "rorun")
            try p.trust()
            let up = try p.devenv(["up", "--detach"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            let procs = try ProcessTests.processes(p)
            let apiPort = try #require(procs["api"]?["port"] as? Int)
            let ocrPort = try #require(procs["ocr"]?["port"] as? Int)
            for name in ["api", "ocr"] { #expect(procs[name]?["ready"] as? Bool == true, "\(name): \(procs[name] ?? [:])") }

            let server = try p.dotenv(at: p.root + "/server")
            #expect(server["AI_SERVICE_URL"] == "http://localhost:\(ocrPort)")
            #expect(try p.dotenv(at: p.root + "/ai-service")["REDIS_URL"] == server["REDIS_URL"])
            // The API reached each service with its values: a row, a key, an object.
            let pg = try #require(server["DATABASE_URL"])
            #expect(try SeedTests.sql(pg, "SELECT current_database() || ':' || port FROM devenv_markers WHERE name = 'api'") == "rorun:\(apiPort)")
            let redis = try #require(server["REDIS_URL"])
            #expect(try SeedTests.redis(redis, ["MGET", "rorun:api:started", "rorun:ocr:started"]) == "\(apiPort)\n\(ocrPort)")
            var s3 = server
            s3["AWS_REGION"] = server["S3_REGION"]
            #expect(server["S3_BUCKET"] == "rorun-uploads")
            #expect(try Self.s3(s3, "print(buckets(), get('rorun-uploads', 'devenv-markers/api.json'))") == "rorun-uploads {\"port\": \(apiPort)}")
            let health = ProcessTests.get(apiPort, "/health") ?? ""
            #expect(health.contains("\"postgres\": \"rorun\"") && health.contains("\"ocr\": \"ok\""), "\(health)")

            let down = try p.devenv(["down"])
            #expect(down.status == 0 && down.stdout.contains("Stopped processes"), "\(down.stdout)\(down.stderr)")
        }
    }

    // MARK: Helpers

    /// Runs python3 with pymongo: `client` from `url`, `db` its default database. The URL is in
    /// the environment, never an argv. What it printed, trimmed; a failure is a test failure.
    static func mongo(_ url: String, _ code: String, selection seconds: Int = 30) throws -> String {
        let prelude = """
        import os, pymongo, pymongo.errors
        client = pymongo.MongoClient(os.environ['DEVENV_TEST_MONGODB_URL'], serverSelectionTimeoutMS=\(seconds * 1000))
        db = client.get_default_database()

        """
        return try python(prelude + code, env: ["DEVENV_TEST_MONGODB_URL": url])
    }

    /// The `name`s of app.users (or the URL's database's), sorted by _id, comma-separated.
    static func names(_ url: String) throws -> String {
        try mongo(url, "print(','.join(d['name'] for d in db.users.find().sort('_id')))")
    }

    static func withPassword(_ url: String, _ password: String) -> String {
        url.replacingOccurrences(of: ":[^:@/]+@", with: ":\(password)@", options: .regularExpression)
    }

    /// Runs python3 with boto3: `s3` a client made from `env`'s S3_ENDPOINT, AWS_REGION,
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and S3_FORCE_PATH_STYLE (given in its environment).
    static func s3(_ env: [String: String], _ code: String) throws -> String {
        let prelude = """
        import os, boto3, botocore, botocore.exceptions
        from botocore.config import Config
        path = os.environ.get('S3_FORCE_PATH_STYLE') == 'true'
        s3 = boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT'], region_name=os.environ['AWS_REGION'],
                          aws_access_key_id=os.environ['AWS_ACCESS_KEY_ID'], aws_secret_access_key=os.environ['AWS_SECRET_ACCESS_KEY'],
                          config=Config(s3={'addressing_style': 'path' if path else 'auto'}, retries={'max_attempts': 2}))
        def buckets(): return ','.join(sorted(b['Name'] for b in s3.list_buckets()['Buckets']))
        def keys(bucket): return ','.join(sorted(o['Key'] for o in s3.list_objects_v2(Bucket=bucket).get('Contents', [])))
        def get(bucket, key): return s3.get_object(Bucket=bucket, Key=key)['Body'].read().decode()

        """
        var values: [String: String] = [:]
        for k in ["S3_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_FORCE_PATH_STYLE", "S3_BUCKET"] { values[k] = env[k] ?? "" }
        return try python(prelude + code, env: values)
    }

    static func python(_ script: String, env: [String: String]) throws -> String {
        let r = try ProjectFixture.run(["python3", "-c", script], env: env.merging(["PYTHONDONTWRITEBYTECODE": "1"]) { $1 })
        #expect(r.status == 0, "python3 failed: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// KEY=VALUE lines of a file devenv wrote.
    static func envFile(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    /// The project as a git repository on `main`, committed (for `up --branch`).
    static func gitRepo(_ p: ProjectFixture) throws {
        try p.write(".gitignore", ".devenv/\n.env\n*/.env\n")
        try p.git(["init", "-q", "-b", "main"])
        try p.git(["config", "user.email", "e2e@devenv.test"])
        try p.git(["config", "user.name", "devenv e2e"])
        try p.git(["add", "-A"])
        try p.git(["commit", "-q", "-m", "init"])
    }

    /// examples/NAME copied into the fixture's folder, under the fixture's stack name (what a
    /// run by hand left there, `.devenv/` and written `.env` files, is not copied).
    static func example(_ p: ProjectFixture, _ name: String) throws {
        let source = ProjectFixture.repoRoot + "/examples/\(name)"
        let copy = try ProjectFixture.run(["sh", "-c", "cp -R \"$1/.\" \"$2\" && rm -rf \"$2/.devenv\" && find \"$2\" \\( -name .env -o -name .env.local \\) -type f -delete", "sh", source, p.root])
        try #require(copy.status == 0, "\(copy.stderr)")
        let manifest = try p.read("devenv.yml")
        let renamed = manifest.replacingOccurrences(of: "\nname: \(name)\n", with: "\nname: \(p.name)\n")
        try #require(renamed != manifest, "examples/\(name)/devenv.yml has a `name: \(name)` line")
        try p.write("devenv.yml", renamed)
    }

    struct ArgvScan {
        var status: Int32
        var stdout: String, stderr: String
        /// Command lines looked at, those `tool` matched, and those holding a secret.
        var seen: Int, toolLines: Int, leaks: [String]
    }

    /// `devenv ARGS` in the background while every process's argv on the machine (the
    /// containers' included: they share the kernel's /proc) is read again and again, checked for
    /// the stack's passwords and secret keys. The stack is claimed first (`env --json`), so its secrets exist.
    static func scanningArgv(_ p: ProjectFixture, _ args: [String], tool: (String) -> Bool) throws -> ArgvScan {
        let claim = try p.devenv(["env", "--json"])
        #expect(claim.status == 0, "\(claim.stderr)")
        let credentials = ProjectFixture.home + "/stacks/\(p.name)/credentials.json"
        let store = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentials))) as? [String: [String: String]] ?? [:]
        // Passwords and secret keys; an S3 access key id is an identifier every request carries
        // in the clear (the S3 stand-in's own `radosgw-admin user create --access-key` shows it).
        let secrets = store.values.flatMap { $0.filter { !$0.key.contains("access_key") }.values }.filter { $0.count >= 8 }
        try #require(!secrets.isEmpty, "no secrets in \(credentials)")

        let run = try Fault.Run(p, args)
        var seen = 0, toolLines = 0, leaks: [String] = []
        while run.running {
            for (_, argv) in Fault.commandLines() {
                seen += 1
                let line = argv.joined(separator: " ")
                if tool(line) { toolLines += 1 }
                if secrets.contains(where: { line.contains($0) }) { leaks.append(line) }
            }
            usleep(5_000)   // room for the rest of the machine, not a wait for anything
        }
        let status = run.wait()
        return ArgvScan(status: status, stdout: run.stdout, stderr: run.stderr, seen: seen, toolLines: toolLines, leaks: leaks)
    }
}
