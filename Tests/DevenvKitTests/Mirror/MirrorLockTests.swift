import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Mirror: lock file, digests, versions, drift")
struct MirrorLockTests {
    let local = MirrorFixtures.local
    let secrets = ["sk_test_FAKE51HxYzFakeFake", "AtlasFakePass123", "RailwayRedisFake", "infisical-fake-jwt-secret"]

    var staging: [StagingVar] {
        [
            StagingVar(name: "API_URL", value: "https://api.staging.myflow.app"),
            StagingVar(name: "MONGODB_URL", value: "mongodb+srv://myflow-staging:AtlasFakePass123@staging-cluster.mongodb.net/myflow?retryWrites=true"),
            StagingVar(name: "REDIS_URL", value: "redis://default:RailwayRedisFake@redis.railway.internal:6379"),
            StagingVar(name: "STRIPE_SECRET_KEY", value: "sk_test_FAKE51HxYzFakeFake"),
            StagingVar(name: "JWT_SECRET", value: "infisical-fake-jwt-secret"),
            StagingVar(name: "FLY_ONLY_SECRET", value: nil, markedSecret: true),
        ]
    }

    @Test("SHA-256 matches the FIPS 180-4 vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ("The quick brown fox jumps over the lazy dog", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
    ])
    func sha256(input: String, hex: String) {
        #expect(Checksum.sha256(input) == hex)
    }

    @Test func sha256OfAMillionAs() {
        #expect(Checksum.sha256(String(repeating: "a", count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func lockHoldsNoSecretValueAndRoundTrips() throws {
        let lock = StagingLock(staging: staging, rules: MirrorRules(), vocabulary: MirrorFixtures.vocabulary, versions: ["postgres": "15.4", "redis": "7.2"], source: "preset railway")
        let text = lock.encoded()
        for s in secrets { #expect(!text.contains(s), "\(s) leaked into the lock") }
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\"value\" : \"mongodb+srv://myflow-staging@staging-cluster.mongodb.net/myflow?retryWrites=true\""))
        #expect(lock.keys["STRIPE_SECRET_KEY"] == .init(value: nil, secret: true, sha256: StagingLock.digest(key: "STRIPE_SECRET_KEY", value: "sk_test_FAKE51HxYzFakeFake")))
        #expect(lock.keys["FLY_ONLY_SECRET"] == .init(value: nil, secret: true, sha256: nil))
        #expect(lock.keys["API_URL"] == .init(value: "https://api.staging.myflow.app", secret: false, sha256: nil))
        let back = try StagingLock.decode(text, file: "devenv.staging.lock")
        #expect(back == lock)
        #expect(back.encoded() == text)
    }

    @Test func lockIsStableAndWrittenAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(StagingLock.fileName).path
        #expect(try StagingLock.read(path: path) == nil)
        let lock = StagingLock(staging: staging.reversed(), rules: MirrorRules(), vocabulary: MirrorFixtures.vocabulary, versions: ["postgres": "15.4"])
        try lock.write(path: path)
        #expect(try StagingLock.read(path: path) == lock)
        #expect(StagingLock(staging: staging, rules: MirrorRules(), vocabulary: MirrorFixtures.vocabulary, versions: ["postgres": "15.4"]).encoded() == lock.encoded())
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func teammatesWithoutStagingGetTheSameShapeFromTheLock() throws {
        let rules = MirrorRules(rewrite: ["api.staging.myflow.app": "localhost:8000"])
        let fromStaging = Mirror.map(staging, rules: rules, local: local)
        let lock = try StagingLock.decode(StagingLock(staging: staging, rules: rules, vocabulary: MirrorFixtures.vocabulary).encoded(), file: "lock")
        let fromLock = Mirror.map(lock.stagingVars, rules: rules, local: local)
        let byKey = { (m: [MirroredKey]) in Dictionary(uniqueKeysWithValues: m.map { ($0.key, $0.localValue) }) }
        #expect(byKey(fromLock) == byKey(fromStaging))
        #expect(byKey(fromLock)["MONGODB_URL"] == "mongodb://devenv:LocalMongoPw@127.0.0.1:54002/myflow?authSource=admin")
    }

    @Test("a broken lock is a clear error that quotes nothing", arguments: [
        "not json sk_test_FAKE51HxYzFakeFake", "{\"keys\": {}}", "{\"devenv_staging_lock\": 9, \"keys\": {}}",
        "{\"devenv_staging_lock\": 1, \"keys\": {\"A_SECRET\": {\"secret\": true, \"value\": \"sk_test_FAKE51HxYzFakeFake\"}}}",
        "{\"devenv_staging_lock\": 1, \"keys\": {\"DB\": {\"secret\": true, \"value\": \"postgres://u:sk_test_FAKE51HxYzFakeFake@h/db\"}}}",
        "{\"devenv_staging_lock\": 1, \"keys\": {\"A\": {\"sha256\": \"zz\"}}}",
    ])
    func brokenLock(text: String) {
        do {
            _ = try StagingLock.decode(text, file: "devenv.staging.lock")
            Issue.record("expected an error")
        } catch let e as DevenvError {
            #expect(e.message.hasPrefix("devenv.staging.lock is not a valid staging lock"))
            #expect(!e.description.contains("sk_test_FAKE"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func versionsCompareOnTheNumbersBothGive() {
        #expect(ServiceVersions.matches(staging: "15.4", local: "15"))
        #expect(ServiceVersions.matches(staging: "v7.2.4", local: "7.2-alpine"))
        #expect(!ServiceVersions.matches(staging: "7.2", local: "7.0"))
        #expect(!ServiceVersions.matches(staging: "15.4", local: "16"))
        #expect(!ServiceVersions.matches(staging: "2024-01-01", local: "latest"))
        let m = ServiceVersions.compare(staging: ["postgresql": "15.4", "redis": "7.2", "mongo": "7.0", "qdrant": "1.12"],
                                        local: ["postgres": "16", "redis": "7", "mongodb": "7.0"], vocabulary: MirrorFixtures.vocabulary)
        #expect(m == [VersionMismatch(service: "postgres", staging: "15.4", local: "16"),
                      VersionMismatch(service: "qdrant", staging: "1.12", local: nil)])
        #expect(m[0].description == "postgres: staging runs 15.4, local is 16")
        #expect(m[1].description == "staging runs qdrant 1.12, but devenv.yml has no qdrant service")
    }

    @Test func driftBetweenStagingAndLock() {
        let rules = MirrorRules()
        let lock = StagingLock(staging: staging, rules: rules, vocabulary: MirrorFixtures.vocabulary, versions: ["postgres": "15.4"])
        var now = staging
        now.append(StagingVar(name: "NEW_FLAG", value: "on"))
        now.removeAll { $0.name == "JWT_SECRET" }
        now[0].value = "https://api2.staging.myflow.app"
        now[3].value = "sk_test_FAKE51HxYzRotatedRotated"
        let items = Drift.stagingVsLock(staging: StagingLock(staging: now, rules: rules, vocabulary: MirrorFixtures.vocabulary, versions: ["postgres": "15.5"]), lock: lock)
        #expect(items.map(\.kind) == [.changed, .extra, .missing, .changed, .version])
        #expect(items.map(\.subject) == ["API_URL", "JWT_SECRET", "NEW_FLAG", "STRIPE_SECRET_KEY", "postgres"])
        #expect(items[0].detail == "API_URL changed on staging: 'https://api.staging.myflow.app' → 'https://api2.staging.myflow.app'")
        #expect(items[2].detail == "NEW_FLAG is on staging but not in devenv.staging.lock: run `devenv mirror`")
        #expect(items[3].detail == "STRIPE_SECRET_KEY (secret) changed on staging (its digest differs from devenv.staging.lock)")
        #expect(Drift.stagingVsLock(staging: lock, lock: lock).isEmpty)
        let text = items.map(\.detail).joined(separator: "\n")
        for s in secrets + ["RotatedRotated"] { #expect(!text.contains(s)) }
    }

    @Test func driftBetweenLockAndLocalFiles() throws {
        let rules = MirrorRules(keep: ["JWT_SECRET"])
        let lock = StagingLock(staging: staging, rules: rules, vocabulary: MirrorFixtures.vocabulary)
        let expected = Mirror.map(lock.stagingVars, rules: rules, local: local)
        let good = Dictionary(uniqueKeysWithValues: expected.compactMap { m in m.localValue.map { (m.key, $0) } })
        // lock-derived mapping cannot know the kept secret's value: the file holds the real one
        var api = good
        api["JWT_SECRET"] = "infisical-fake-jwt-secret"
        let clean = [LocalEnvFile(path: "api/.env", values: api.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })]
        #expect(Drift.local(expected: expected, reference: lock, files: clean).isEmpty)

        api["API_URL"] = "https://elsewhere.example.com"
        api["MONGODB_URL"] = "mongodb://devenv:OldLocalPw@127.0.0.1:1/myflow"
        api["JWT_SECRET"] = "an-old-secret"
        api["STRIPE_SECRET_KEY"] = "sk_test_set_by_hand_is_fine"
        api.removeValue(forKey: "REDIS_URL")
        api["LOCAL_ONLY"] = "1"
        api["PGHOST"] = "127.0.0.1"
        let files = [LocalEnvFile(path: "api/.env", values: api.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })]
        let items = Drift.local(expected: expected, reference: lock, files: files, localOnly: ["PGHOST"])
        #expect(items.map(\.kind) == [.changed, .changed, .changed, .missing, .extra])
        #expect(items.map(\.subject) == ["API_URL", "JWT_SECRET", "MONGODB_URL", "REDIS_URL", "LOCAL_ONLY"])
        #expect(items[0].detail == "API_URL (copied) in api/.env is 'https://elsewhere.example.com', mirroring gives 'https://api.staging.myflow.app'")
        #expect(items[1].detail == "JWT_SECRET (kept secret) in api/.env differs from staging's (by digest)")
        #expect(items[2].detail.contains("mongodb://devenv:***@127.0.0.1:1/myflow"))
        let text = items.map(\.detail).joined(separator: "\n")
        for s in secrets + ["OldLocalPw", "an-old-secret", "LocalMongoPw"] { #expect(!text.contains(s)) }
    }

    @Test func checkCombinesEverySide() {
        let lock = StagingLock(staging: staging, rules: MirrorRules(), vocabulary: MirrorFixtures.vocabulary, versions: ["redis": "7.2"])
        var now = staging
        now.append(StagingVar(name: "ADDED_ON_STAGING", value: "1"))
        let nowLock = StagingLock(staging: now, rules: MirrorRules(), vocabulary: MirrorFixtures.vocabulary, versions: ["redis": "7.2"])
        let expected = Mirror.map(now, rules: MirrorRules(), local: local)
        let files = [LocalEnvFile(path: ".env", values: expected.compactMap { m in m.localValue.map { (m.key, $0) } }.filter { $0.0 != "ADDED_ON_STAGING" })]
        let items = Drift.check(staging: nowLock, lock: lock, expected: expected, files: files, localVersions: ["redis": "7.0"], vocabulary: MirrorFixtures.vocabulary)
        #expect(items.map(\.kind) == [.missing, .missing, .version])
        #expect(items.map(\.place) == ["devenv.staging.lock", "local", "local"])
        #expect(items.allSatisfy { $0.subject == "ADDED_ON_STAGING" || $0.subject == "redis" })
        let offline = Drift.check(staging: nil, lock: lock, expected: Mirror.map(lock.stagingVars, rules: MirrorRules(), local: local),
                                  files: [], localVersions: ["redis": "7.2"], vocabulary: MirrorFixtures.vocabulary)
        #expect(offline.allSatisfy { $0.kind == .missing } && !offline.isEmpty)
    }
}
