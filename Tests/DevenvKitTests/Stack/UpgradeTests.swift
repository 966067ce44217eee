import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `devenv upgrade` and the version check of `up`: major versions, the postgres kind's
/// `upgrade:` section, and the commands as argv (no secret in any of them).
@Suite struct UpgradeTests {
    static func plan() throws -> StackPlan {
        try BranchPlanTests.plan(root: "/src/shop", branch: "feature/x", home: TestSupport.tempDir("home"))
    }

    @Test func aMajorVersionIsTheKindsNumberOfLeadingNumbers() {
        #expect(MajorVersion.major("15\n", parts: 1) == "15")
        #expect(MajorVersion.major("17.2", parts: 1) == "17")
        #expect(MajorVersion.major("10.11.6-MariaDB", parts: 2) == "10.11")
        #expect(MajorVersion.major("11.8.3-MariaDB-log\nmore", parts: 2) == "11.8")
        #expect(MajorVersion.major("16-alpine", parts: 1) == "16")
        #expect(MajorVersion.major("latest", parts: 1) == nil)
        #expect(MajorVersion.major("", parts: 1) == nil)
        #expect(MajorVersion.compare("9.6", "10") == -1 && MajorVersion.compare("10.11", "11.8") == -1)
        #expect(MajorVersion.compare("17", "15") == 1 && MajorVersion.compare("15", "15.0") == 0)
    }

    /// `version: "11"` for MariaDB is the image `mariadb:11`, whichever 11.x that is: the data's
    /// version is compared on the parts the manifest names.
    @Test func aShorterWantedVersionIsComparedOnThePartsItNames() {
        #expect(MajorVersion.compare(data: "11.8", wanted: "11") == 0)
        #expect(MajorVersion.compare(data: "11.4", wanted: "11") == 0)
        #expect(MajorVersion.compare(data: "10.11", wanted: "11") == -1)
        #expect(MajorVersion.compare(data: "12.1", wanted: "11") == 1)
        #expect(MajorVersion.compare(data: "11.8", wanted: "11.8") == 0 && MajorVersion.compare(data: "11.4", wanted: "11.8") == -1)
        #expect(MajorVersion.compare(data: "10.11", wanted: "10.6") == 1 && MajorVersion.compare(data: "15", wanted: "17") == -1)
        let m = DataVersion.Mismatch(service: "mariadb", data: "11.8", wanted: "11", volume: "v")
        #expect(!m.isDowngrade)
        #expect(DataVersion.Mismatch(service: "mariadb", data: "12.0", wanted: "11", volume: "v").isDowngrade)
    }

    @Test func postgresDeclaresHowItsDataIsReadAndMoved() throws {
        let pg = try #require(try Self.plan().service("postgres"))
        let u = try #require(pg.kind?.upgrade)
        #expect(u.versionFiles == ["PG_VERSION"] && u.versionParts == 1)
        #expect(!u.databases.isEmpty && !u.roles.isEmpty && !u.rows.isEmpty && !u.globals.isEmpty && !u.copy.isEmpty)
        #expect(u.env.map(\.key) == ["PGPASSWORD"])
        #expect(DataVersion.wanted(pg, schema: u) == "15")
    }

    @Test func theDataVersionIsReadReadOnlyWithoutNetwork() {
        let c = DataVersion.readCommand(volume: "shop_postgres-data", image: "postgres:17", files: ["PG_VERSION"], labels: [("dev.devenv.task", "version")])
        #expect(c.argv == ["docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh", "--label", "dev.devenv.task=version",
                           "-v", "shop_postgres-data:/data:ro", "postgres:17", "-c",
                           "for f in '/data/PG_VERSION'; do if [ -f \"$f\" ]; then head -n 1 \"$f\"; break; fi; done"])
    }

    /// In the service's running container (`docker exec`), when it has the volume at the kind's
    /// data path; a script that names /data only where the data is at /data.
    @Test func theDataVersionIsReadInTheRunningServiceWhenItHasTheVolume() throws {
        let u = try #require(try Self.plan().service("postgres")?.kind?.upgrade)
        let c = DataVersion.execCommand(container: "c1", dataPath: "/var/lib/postgresql/data", schema: u)
        #expect(c?.argv == ["docker", "exec", "c1", "sh", "-c",
                            "for f in '/var/lib/postgresql/data/PG_VERSION'; do if [ -f \"$f\" ]; then head -n 1 \"$f\"; break; fi; done"])
        let kinds = try UpgradeKindTests.plan()
        let redis = try #require(kinds.service("redis")?.kind?.upgrade), mysql = try #require(kinds.service("mysql")?.kind?.upgrade)
        #expect(DataVersion.execCommand(container: "c2", dataPath: "/data", schema: redis)?.argv.prefix(5) == ["docker", "exec", "c2", "sh", "-c"])
        #expect(DataVersion.execCommand(container: "c3", dataPath: "/var/lib/mysql", schema: mysql) == nil)
        let d = ContainerDetails.parse(Data(#"{"Id":"x","Mounts":[{"Type":"volume","Name":"s_postgres-data","Destination":"/var/lib/postgresql/data"},{"Type":"bind","Source":"/h","Destination":"/b"}]}"#.utf8))
        #expect(d?.volumes == ["/var/lib/postgresql/data": "s_postgres-data"])
    }

    @Test func aMismatchNamesBothVersionsAndTheCommandAndADowngradeIsAUsageError() {
        let up = DataVersion.error(.init(service: "postgres", data: "15", wanted: "17", volume: "v"), kind: "PostgreSQL", branch: false)
        #expect(up.exitCode == .failure)
        #expect(up.message.contains("PostgreSQL 15") && up.message.contains("17") && up.message.contains("Nothing was started"))
        #expect(up.hint?.contains("`devenv upgrade postgres`") == true && up.hint?.contains("snapshot") == true)
        let branch = DataVersion.error(.init(service: "postgres", data: "15", wanted: "17", volume: "v"), kind: "PostgreSQL", branch: true)
        #expect(branch.hint?.contains("`devenv upgrade postgres --branch`") == true)
        #expect(up.hint?.contains("`devenv up --upgrade`") == true && branch.hint?.contains("`devenv up --branch --upgrade`") == true)
        let down = DataVersion.error(.init(service: "postgres", data: "17", wanted: "15", volume: "v"), kind: "PostgreSQL", branch: false)
        #expect(down.exitCode == .usage)
        #expect(down.message.contains("older major version cannot read it") && down.hint?.contains("\"17\"") == true)
    }

    @Test func theKindsCommandsRunInAServersContainerWithThePasswordByName() throws {
        let plan = try Self.plan()
        let pg = try #require(plan.service("postgres"))
        let u = try #require(pg.kind?.upgrade)
        let c = try UpgradeCommands.client(u.copy, env: u.env, context: pg.context, templates: try #require(pg.kind).templates, upgrade: ["from": "devenv-upgrade-from-postgres", "to": "postgres", "database": "shop"],
                                           container: "shop-x-postgres-1")
        #expect(Array(c.argv.prefix(6)) == ["docker", "exec", "-e", "PGPASSWORD", "shop-x-postgres-1", "sh"])
        #expect(Array(c.argv.suffix(5)) == ["sh", "devenv-upgrade-from-postgres", "postgres", "devenv", "shop"])
        #expect(c.environment == ["PGPASSWORD": "pg"])
        #expect(!c.argv.contains { $0.contains("pg") && $0 == "pg" }, "the password is not in the argv")
        let list = try UpgradeCommands.client(u.databases, env: u.env, context: pg.context, templates: try #require(pg.kind).templates, upgrade: ["host": "postgres"], container: "c")
        #expect(Array(list.argv.suffix(12).prefix(6)) == ["c", "psql", "-X", "-qtA", "-h", "postgres"])
    }

    @Test func theOldServerStartsFromTheOldImageThroughTheImageMap() throws {
        let map = ImageMap(rules: ["postgres:15": "devenv-testbed/postgres:15"])
        #expect(UpgradeCommands.oldImage(requested: "postgres:17", version: "15", imageMap: map) == "devenv-testbed/postgres:15")
        #expect(UpgradeCommands.oldImage(requested: "mirror.corp/postgres:17-alpine", version: "15", imageMap: ImageMap()) == "mirror.corp/postgres:15")
        let c = UpgradeCommands.server(name: "s-upgrade-postgres-from", host: "devenv-upgrade-from-postgres", network: "s_default", image: "postgres:15", volume: "s_postgres-data",
                                       dataPath: "/var/lib/postgresql/data", environment: [("POSTGRES_PASSWORD", "secret")], labels: [("k", "v")])
        #expect(c.argv == ["docker", "run", "--detach", "--rm", "--name", "s-upgrade-postgres-from", "--network", "s_default",
                           "--network-alias", "devenv-upgrade-from-postgres", "--label", "k=v",
                           "-e", "POSTGRES_PASSWORD", "-v", "s_postgres-data:/var/lib/postgresql/data", "postgres:15"])
        #expect(c.environment == ["POSTGRES_PASSWORD": "secret"])
        let env = try UpgradeCommands.environment(try #require(try Self.plan().service("postgres")))
        #expect(env.map(\.0) == ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_INITDB_ARGS"])
    }

    @Test func rowCountsAndNamesAreParsedFromTheKindsOutput() {
        #expect(UpgradeCommands.parseRows("public.items 100000\npublic.empty 0\n\n") == ["public.items": 100000, "public.empty": 0])
        #expect(UpgradeCommands.parseNames(" shop \n\nother\n") == ["shop", "other"])
    }

    /// The postgres kind's copy prints the lines of `psql -e` that start with COPY: each COPY
    /// statement of the dump, then the server's tag for it (the rows it wrote); then, for the
    /// tables of an extension, the same two lines with the rows counted after the restore.
    @Test func theNewSidesRowsAreTheCountsTheCopyReported() throws {
        let u = try #require(try Self.plan().service("postgres")?.kind?.upgrade)
        let copied = try #require(u.copied)
        #expect(copied.quote == "\"")
        let output = #"""
            COPY public.items (id, name, price) FROM stdin;
            COPY 100000
            COPY public.empty (id) FROM stdin;
            COPY 0
            COPY public."Order Lines" (id, "Qty") FROM stdin;
            COPY 3
            COPY "my schema"."say ""hi""" (a) FROM stdin;
            COPY 2
            COPY public.nocolumns  FROM stdin;
            COPY 7
            COPY public.spatial_ref_sys (srid, auth_name) FROM stdin;
            COPY 1
            COPY public.spatial_ref_sys FROM stdin;
            COPY 8500
            """#
        #expect(try UpgradeCommands.parseCopied(output, copied) == [
            "public.items": 100000, "public.empty": 0, "public.Order Lines": 3, "my schema.say \"hi\"": 2, "public.nocolumns": 7,
            "public.spatial_ref_sys": 8500,
        ])
        // A COPY without its tag on the next line (the restore stopped) counts nothing for that table.
        #expect(try UpgradeCommands.parseCopied("COPY public.a (x) FROM stdin;\nCOPY public.b (y) FROM stdin;\nCOPY 4\n", copied) == ["public.b": 4])
        #expect(try UpgradeCommands.parseCopied("", copied).isEmpty)
        #expect(UpgradeCommands.unquote("a.b", quote: "\"") == "a.b" && UpgradeCommands.unquote("\"a.b\".\"\"\"\"", quote: "\"") == "a.b.\"")
        #expect(UpgradeCommands.unquote("`x`.y", quote: nil) == "`x`.y")
    }

    @Test func aCopiedPatternNeedsTwoGroupsAndAQuoteIsOneCharacter() throws {
        let base = try #require(BuiltinKinds.files["memcached/service.yml"])
        let compose = try #require(BuiltinKinds.files["memcached/compose.yml"])
        let head = base + "\ndata: /data\nupgrade:\n  version: { file: V }\n  databases: [a]\n  roles: [b]\n  rows: [c]\n  copy: [d]\n"
        guard case .success(let kind) = KindLoader.load(name: "memcached", folder: "/k", serviceYAML: head + "  copied: { rows: '^(\\S+) ([0-9]+)$' }\n", composeYAML: compose) else {
            Issue.record("a copied pattern with two groups loads"); return
        }
        #expect(kind.upgrade?.copied == .init(pattern: "^(\\S+) ([0-9]+)$"))
        guard case .failure(let error) = KindLoader.load(name: "memcached", folder: "/k", serviceYAML: head + "  copied: { rows: '^(\\S+ [0-9]+$', quote: '``' }\n",
                                                        composeYAML: compose) else {
            Issue.record("the kind loaded"); return
        }
        let messages = error.problems.map(\.message)
        #expect(messages.contains { $0.contains("upgrade.copied.rows must be a regular expression with two groups") })
        #expect(messages.contains { $0.contains("upgrade.copied.quote must be one character") })
    }

    @Test func aNewGenerationIsNamedAfterTheKeyAndTheComposeFileNamesIt() throws {
        #expect(VolumeGenerations.next(stack: "shop", key: "postgres-data", current: "shop_postgres-data") == "shop_postgres-data--g2")
        #expect(VolumeGenerations.next(stack: "shop", key: "postgres-data", current: "shop_postgres-data--g2") == "shop_postgres-data--g3")
        var plan = try Self.plan()
        #expect(!(try ComposeRenderer.render(plan)).contains("--g2"))
        plan.volumeNames["postgres-data"] = "\(plan.identity.stack)_postgres-data--g2"
        let text = try ComposeRenderer.render(plan)
        #expect(text.contains("  postgres-data:\n    name: \(plan.identity.stack)_postgres-data--g2\n"))
        #expect(StackVolumes.name(plan, key: "postgres-data") == "\(plan.identity.stack)_postgres-data--g2")
        #expect(StackVolumes.name(plan, key: "redis-data") == "\(plan.identity.stack)_redis-data")
    }

    @Test func theRecordOfGenerationsRoundTripsAndADamagedOneIsAnError() throws {
        let dir = TestSupport.tempDir("gens")
        #expect(try VolumeGenerations.load(stateDir: dir).volumes.isEmpty)
        var g = VolumeGenerations()
        g.volumes["postgres-data"] = .init(current: "s_postgres-data--g2", version: "17", previous: "s_postgres-data", previousVersion: "15", service: "postgres")
        try g.save(stateDir: dir)
        #expect(try VolumeGenerations.load(stateDir: dir) == g)
        try "{".write(toFile: VolumeGenerations.path(stateDir: dir), atomically: true, encoding: .utf8)
        #expect(throws: DevenvError.self) { try VolumeGenerations.load(stateDir: dir) }
    }

    @Test func anUpgradeSectionIsValidatedLikeTheRestOfTheKind() throws {
        var service = try #require(BuiltinKinds.files["memcached/service.yml"])
        service += "\nupgrade:\n  version: { parts: 9 }\n  copy: [sh, \"{{upgrade.nope}}\"]\n"
        guard case .failure(let error) = KindLoader.load(name: "memcached", folder: "/k/memcached", serviceYAML: service,
                                                         composeYAML: try #require(BuiltinKinds.files["memcached/compose.yml"])) else {
            Issue.record("the kind loaded"); return
        }
        let messages = error.problems.map(\.message)
        #expect(messages.contains { $0.contains("upgrade.version.parts must be 1, 2 or 3") })
        #expect(messages.contains { $0.contains("upgrade.version needs one of 'file:'") })
        #expect(messages.contains { $0.contains("upgrade needs all of databases, roles, rows, copy") })
        #expect(messages.contains { $0.contains("upgrade.nope") })
    }
}
