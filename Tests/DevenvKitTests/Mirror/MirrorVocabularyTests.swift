import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The mirror vocabulary comes from the kind folders: a folder-only kind's `mirror.schemes`
/// and `mirror.versions` are honoured with no Swift change.
@Suite("Mirror: URL schemes and version names from the kinds")
struct MirrorVocabularyTests {
    static func catalogueWithCockroach() throws -> KindCatalogue {
        let root = try KindLoaderTests.kind("cockroach", """
        image: cockroachdb/cockroach
        version: "24.1"
        ports: { main: 26257 }
        probe: tcp
        values:
          url: "cockroachdb://root@127.0.0.1:{{ports.main}}/defaultdb"
        mirror:
          protocol: postgres
          schemes: [cockroachdb]
          versions: [crdb]
        """)
        return try KindCatalogue.load(searchPath: [root, TestSupport.repoRoot + "/templates"])
    }

    @Test func aFolderOnlyKindsSchemeMapsToItsProtocol() throws {
        var local = MirrorFixtures.local
        local.vocabulary = MirrorVocabulary(try Self.catalogueWithCockroach())
        let out = Mirror.map([StagingVar(name: "DATABASE_URL", value: "cockroachdb://app:pw@free-tier.cockroachlabs.cloud:26257/myflow")],
                             rules: MirrorRules(), local: local)[0]
        #expect(out.kind == .infrastructure, "\(out)")
        #expect(out.localValue == "cockroachdb://devenv:LocalPgPw@127.0.0.1:54001/myflow")
        // Without the kind folder the scheme means nothing: a URL with a password is a secret.
        let plain = Mirror.map([StagingVar(name: "DATABASE_URL", value: "cockroachdb://app:pw@free-tier.cockroachlabs.cloud:26257/myflow")],
                               rules: MirrorRules(), local: MirrorFixtures.local)[0]
        #expect(plain.kind == .secret)
    }

    @Test func versionNamesComeFromTheKindsAndPreferTheLocalKind() throws {
        let vocabulary = MirrorVocabulary(try Self.catalogueWithCockroach())
        #expect(vocabulary.kind(forVersionName: "crdb", local: []) == "cockroach")
        #expect(vocabulary.kind(forVersionName: "PostgreSQL", local: []) == "postgres")
        // Two S3 kinds answer to `s3`: the one devenv.yml has wins, else the suggested one.
        #expect(vocabulary.kind(forVersionName: "s3", local: ["minio"]) == "minio")
        #expect(vocabulary.kind(forVersionName: "s3", local: []) == "rustfs")
        let m = ServiceVersions.compare(staging: ["s3": "1.0.1", "crdb": "23.2"], local: ["rustfs": "1.0.1", "cockroach": "24.1"],
                                        vocabulary: vocabulary)
        #expect(m == [VersionMismatch(service: "cockroach", staging: "23.2", local: "24.1")])
    }
}
