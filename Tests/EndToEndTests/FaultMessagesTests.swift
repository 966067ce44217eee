import Foundation
import Testing

/// Issue 30's messages: a folder in the place of the stack's compose file or its engine
/// record gets an error with the fix (not a bare "Is a directory"); a recovery note is printed
/// once per command; a `.env` beginning with a byte-order mark keeps it.
@Suite(.serialized, .endToEnd) struct FaultMessagesTests {
    static let manifest = "services:\n  redis: { version: \"7\" }\nenv:\n  .env: { REDIS_URL: \"{{redis.url}}\" }\n"

    @Test func aFolderInThePlaceOfTheComposeFileOrTheEngineRecordNamesTheFix() throws {
        try ProjectFixture.with("folders") { p in
            try p.manifest(Self.manifest)
            try #require(try p.devenv(["up"]).status == 0)
            let compose = p.root + "/.devenv/stacks/\(p.name)/compose.yaml"
            try FileManager.default.removeItem(atPath: compose)
            try FileManager.default.createDirectory(atPath: compose, withIntermediateDirectories: false)
            for command in [["up"], ["logs"], ["down"]] {
                let r = try p.devenv(command)
                #expect(r.status == 1, "\(command): \(r.stderr)")
                #expect(r.stderr.contains("compose.yaml") && r.stderr.contains("hint:") && r.stderr.contains("mv \(compose)"), "\(command): \(r.stderr)")
            }
            try FileManager.default.removeItem(atPath: compose)
            #expect(try p.devenv(["up"]).status == 0, "up writes it again")

            let record = ProjectFixture.home + "/stacks/\(p.name)/engine.json"
            try? FileManager.default.removeItem(atPath: record)
            try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
            let up = try p.devenv(["up"])
            #expect(up.status == 1, "\(up.stderr)")
            #expect(up.stderr.contains("engine.json") && up.stderr.contains("hint:") && up.stderr.contains("mv \(record)"), "\(up.stderr)")
            try FileManager.default.removeItem(atPath: record)
            #expect(try p.devenv(["up"]).status == 0)
        }
    }

    @Test func aRecoveryNoteIsPrintedOnce() throws {
        try ProjectFixture.with("noteonce") { p in
            try p.manifest(Self.manifest)
            try #require(try p.devenv(["up"]).status == 0)
            let credentials = ProjectFixture.home + "/stacks/\(p.name)/credentials.json"
            try Data("{\"redis\":".utf8).write(to: URL(fileURLWithPath: credentials))
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stderr.components(separatedBy: "were damaged").count == 2, "one note: \(up.stderr)")
        }
    }

    @Test func aByteOrderMarkAtTheStartOfDotEnvIsKept() throws {
        try ProjectFixture.with("envbom") { p in
            try p.manifest(Self.manifest)
            let original = [UInt8]([0xEF, 0xBB, 0xBF]) + Array("MINE=1\n".utf8)
            FileManager.default.createFile(atPath: p.root + "/.env", contents: Data(original))
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "\(up.stderr)")
            let after = Fault.bytes(p.root + "/.env")
            #expect(Array(after.prefix(original.count)) == original, "the BOM and the line after it are kept byte for byte")
            #expect(String(decoding: after, as: UTF8.self).contains("REDIS_URL="))
        }
    }
}
