import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvKit

/// The branch copy journal: one atomic file that says whether a branch's volumes hold a whole
/// copy, with the parent's seed entries once they do; a damaged one is an error, never "none".
@Suite struct BranchCopyJournalTests {
    static let entry = SeedLedger.Entry(service: "postgres", file: "db/seed.sql", target: "app", sha256: "ab",
                                        fingerprint: FileFingerprint(size: 3, mtimeNanoseconds: 7), appliedAt: Date(timeIntervalSince1970: 1_700_000_000))

    @Test func aJournalRoundTripsAndIsGoneWhenRemoved() throws {
        let dir = TestSupport.tempDir("journal")
        let path = BranchCopyJournal.path(stateDir: dir)
        #expect(path == dir + "/branch-copy.json")
        #expect(try BranchCopyJournal.load(path) == nil, "no file: no unfinished copy")
        var j = BranchCopyJournal(state: .copying, parent: "shop-main", services: ["postgres"], volumes: ["shop-x_postgres-data"])
        try j.save(path)
        #expect(try BranchCopyJournal.load(path) == j)
        j.state = .copied
        j.seeds = [Self.entry]
        try j.save(path)
        let back = try #require(try BranchCopyJournal.load(path))
        #expect(back.state == .copied && back.seeds == [Self.entry])
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"state\" : \"copied\""))
        try BranchCopyJournal.remove(stateDir: dir)
        #expect(try BranchCopyJournal.load(path) == nil)
        try BranchCopyJournal.remove(stateDir: dir)   // twice is fine
    }

    @Test func aDamagedJournalIsAnErrorThatNamesTheFix() throws {
        let dir = TestSupport.tempDir("journal")
        let path = BranchCopyJournal.path(stateDir: dir)
        try AtomicFile.write(Data("{\"state\": \"half".utf8), to: path)
        #expect {
            _ = try BranchCopyJournal.load(path)
        } throws: { error in
            let e = "\(error)"
            return e.contains("damaged") && e.contains(path) && ((error as? DevenvError)?.hint ?? "").contains("devenv down --volumes --yes")
        }
    }
}
