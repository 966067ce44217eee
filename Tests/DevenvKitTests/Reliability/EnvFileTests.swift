import Foundation
import Testing
@testable import DevenvPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit
import CurrentPlatform

/// `.env` targets are never lost: byte-exact text for files that are not UTF-8, refusals for
/// what devenv cannot read, links edited in place.
@Suite struct EnvFileTests {
    @Test func byteTextRoundTripsEveryByteSequence() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 3, 7, 64, 1000] {
            for _ in 0..<20 {
                let data = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
                #expect(ByteText.encode(ByteText.decode(data)) == data)
            }
        }
        let genuine = Data("a\u{F712}b é".utf8)
        #expect(ByteText.encode(ByteText.decode(genuine)) == genuine, "a real U+F7xx in the file is escaped too")
        #expect(ByteText.decode(Data([0x63, 0x61, 0x66, 0xE9])).unicodeScalars.map(\.value) == [0x63, 0x61, 0x66, 0xF7E9])
    }

    @Test func aLatin1FileIsMergedByteForByte() throws {
        let original = Data([0x23, 0x20, 0x63, 0x61, 0x66, 0xE9, 0x0A] + Array("MINE=1\nDATABASE_URL=old\n".utf8))
        let text = ByteText.decode(original)
        let merged = try Dotenv.merge(existing: text, managed: [("DATABASE_URL", "postgres://x"), ("REDIS_URL", "redis://é")],
                                      lastWritten: ["DATABASE_URL": "old"], force: false)
        let out = ByteText.encode(merged.text)
        #expect(out.prefix(7) == original.prefix(7), "the Latin-1 comment is kept as bytes")
        #expect(String(decoding: out.dropFirst(7), as: UTF8.self) == "MINE=1\nDATABASE_URL=postgres://x\n\n# Added by devenv\nREDIS_URL='redis://é'\n",
                "devenv's own values are written as UTF-8")
    }

    @Test func whatCannotBeReadIsRefusedAndLinksAreFollowedOnlyInside() throws {
        let root = TestSupport.tempDir("envfile")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try EnvFile.open(".env", root: root).exists == false)

        try FileManager.default.createDirectory(atPath: root + "/dir.env", withIntermediateDirectories: true)
        #expect(throws: DevenvError.self) { try EnvFile.open("dir.env", root: root) }
        #expect(mkfifo(root + "/fifo.env", 0o600) == 0)
        do { _ = try EnvFile.open("fifo.env", root: root); Issue.record("a FIFO was read") } catch let e as DevenvError {
            #expect(e.message.contains("not a regular file") && e.message.contains("changed nothing") && e.hint != nil)
        }

        try "A=1\n".write(toFile: root + "/real.env", atomically: true, encoding: .utf8)
        chmod(root + "/real.env", 0o640)
        #expect(symlink("real.env", root + "/link.env") == 0)
        let linked = try EnvFile.open("link.env", root: root)
        #expect(linked.linkedFrom == "link.env" && linked.target.hasSuffix("/real.env") && linked.text == "A=1\n")
        try linked.write("A=1\nB=2\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/link.env") == "real.env")
        #expect(try String(contentsOfFile: root + "/real.env", encoding: .utf8) == "A=1\nB=2\n")
        var st = stat()
        #expect(stat(root + "/real.env", &st) == 0 && st.st_mode & 0o777 == 0o640)

        let outside = TestSupport.tempDir("outside") + "/o.env"
        try "O=1\n".write(toFile: outside, atomically: true, encoding: .utf8)
        #expect(symlink(outside, root + "/out.env") == 0)
        #expect(throws: DevenvError.self) { try EnvFile.open("out.env", root: root) }
        #expect(symlink("nowhere.env", root + "/dangling.env") == 0)
        #expect(throws: DevenvError.self) { try EnvFile.open("dangling.env", root: root) }

        FileManager.default.createFile(atPath: root + "/latin.env", contents: Data([0x41, 0x3D, 0xE9, 0x0A]))
        let latin = try EnvFile.open("latin.env", root: root)
        #expect(!latin.isUTF8)
        #expect(throws: DevenvError.self) { try latin.checkInsertable([("K", "\u{F701}")]) }
        try latin.write(latin.text! + "B=2\n")
        #expect(FileManager.default.contents(atPath: root + "/latin.env") == Data([0x41, 0x3D, 0xE9, 0x0A] + Array("B=2\n".utf8)))
    }

    @Test func aByteOrderMarkAtTheStartIsKeptThroughOpenMergeAndWrite() throws {
        let root = TestSupport.tempDir("envbom")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let original = Data([0xEF, 0xBB, 0xBF] + Array("MINE=1\nDATABASE_URL=old\n".utf8))
        FileManager.default.createFile(atPath: root + "/.env", contents: original)
        let file = try EnvFile.open(".env", root: root)
        #expect(file.isUTF8)
        let merged = try Dotenv.merge(existing: file.text, managed: [("DATABASE_URL", "postgres://x")],
                                      lastWritten: ["DATABASE_URL": "old"], force: false)
        try file.write(merged.text)
        let out = FileManager.default.contents(atPath: root + "/.env") ?? Data()
        #expect(Array(out.prefix(3)) == [0xEF, 0xBB, 0xBF], "the BOM is kept: \(Array(out.prefix(8)))")
        #expect(String(decoding: out.dropFirst(3), as: UTF8.self) == "MINE=1\nDATABASE_URL=postgres://x\n")
    }

    @Test func stateFilesAreReadOrRefusedNeverTakenForMissing() throws {
        let dir = TestSupport.tempDir("state")
        #expect(try StateFile.read(dir + "/none.json", what: "x") == nil)
        try FileManager.default.createDirectory(atPath: dir + "/folder.json", withIntermediateDirectories: true)
        #expect(throws: DevenvError.self) { try StateFile.read(dir + "/folder.json", what: "x") }
        FileManager.default.createFile(atPath: dir + "/blocker", contents: Data())
        do { try StateFile.makeFolder(dir + "/blocker/sub"); Issue.record("made a folder under a file") } catch let e as DevenvError {
            #expect(e.message.contains("blocker") && e.hint != nil && !e.message.contains("NSCocoa"))
        }
        try StateFile.makeFolder(dir + "/a/b")
        var st = stat()
        #expect(stat(dir + "/a/b", &st) == 0 && st.st_mode & 0o777 == 0o700)
    }
}
