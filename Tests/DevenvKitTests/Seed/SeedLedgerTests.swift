import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct SeedLedgerTests {
    let item = SeedItem(service: "postgres", file: "db/seed.sql", path: "/p/db/seed.sql", target: "shop")
    let fp = FileFingerprint(size: 10, mtimeNanoseconds: 1_700_000_000_123_456_789)

    func ledger(sha: String = "abc") -> SeedLedger {
        SeedLedger(seeds: [.init(service: "postgres", file: "db/seed.sql", target: "shop", sha256: sha, fingerprint: fp, appliedAt: Date(timeIntervalSince1970: 1_700_000_000))])
    }

    @Test func unknownFileIsNew() {
        #expect(SeedLedger().state(of: item, fingerprint: fp, digest: { "abc" }) == .new)
        var other = item
        other.target = "shop_test"
        #expect(ledger().state(of: other, fingerprint: fp, digest: { "abc" }) == .new, "the same file into another database is another seed")
    }

    @Test func sameSizeAndMtimeIsAppliedWithoutReading() {
        let l = ledger()
        #expect(l.state(of: item, fingerprint: fp, digest: { Issue.record("must not hash an unchanged file"); return "" }) == .applied(l.seeds[0]))
    }

    @Test func touchedButSameContentIsStillApplied() {
        let touched = FileFingerprint(size: 10, mtimeNanoseconds: fp.mtimeNanoseconds + 1)
        let l = ledger()
        #expect(l.state(of: item, fingerprint: touched, digest: { "abc" }) == .touched(l.seeds[0], touched))
    }

    @Test func otherContentIsChanged() {
        let l = ledger()
        #expect(l.state(of: item, fingerprint: FileFingerprint(size: 11, mtimeNanoseconds: 5), digest: { "def" }) == .changed(l.seeds[0], sha256: "def"))
    }

    @Test func writesAndReadsBackAtomically() throws {
        let path = TestSupport.tempDir("ledger") + "/stack/seeds.json"
        #expect(try SeedLedger.load(path) == SeedLedger(), "no file is an empty ledger")
        var l = ledger()
        l.record(.init(service: "redis", file: "seeds/cache.redis", target: "redis", sha256: "r", fingerprint: fp, appliedAt: Date(timeIntervalSince1970: 1_700_000_100)))
        l.record(.init(service: "postgres", file: "db/seed.sql", target: "shop", sha256: "new", fingerprint: fp, appliedAt: Date(timeIntervalSince1970: 1_700_000_200)))
        #expect(l.seeds.count == 2, "recording the same (service, file, target) replaces it")
        try l.save(path)
        #expect(try SeedLedger.load(path) == l)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"applied_at\" : \"2023-11-14T22:16:40Z\""))
        #expect(text.contains("\"mtime_ns\" : 1700000000123456789"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == ["seeds.json"], "no temporary file left")
        l.forget(service: "postgres")
        #expect(l.seeds.map(\.service) == ["redis"])
    }

    @Test func corruptLedgerSaysWhatToDo() throws {
        let path = TestSupport.tempDir("ledger") + "/seeds.json"
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DevenvError.self) { try SeedLedger.load(path) }
    }

    @Test func sha256MatchesKnownDigests() throws {
        #expect(Checksum.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Checksum.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // A file longer than one read piece: the same as sha256sum.
        let text = Data((0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let path = TestSupport.tempDir("sha") + "/f"
        try text.write(to: URL(fileURLWithPath: path))
        let (_, out, _) = try TestSupport.run(["sha256sum", path])
        #expect(try Checksum.sha256(ofFile: path) == String(out.prefix(64)))
    }

    @Test func fingerprintReadsSizeAndMtime() throws {
        let path = TestSupport.tempDir("fp") + "/f"
        try "hello".write(toFile: path, atomically: true, encoding: .utf8)
        let a = try FileFingerprint.of(path)
        #expect(a.size == 5)
        #expect(a.mtimeNanoseconds > 1_600_000_000_000_000_000)
    }
}
