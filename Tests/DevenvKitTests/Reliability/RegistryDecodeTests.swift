import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvPlan

/// `Registry.decode` reads with JSONReader what JSONDecoder (ISO 8601 dates) read: the same
/// registry for every file `write` writes, and nil for every file JSONDecoder refused, so a
/// damaged registry is still refused (and rebuilt from the engine), never half read.
@Suite("Registry read without JSONDecoder")
struct RegistryDecodeTests {
    static func decoder(_ data: Data) -> Registry? {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try? d.decode(Registry.self, from: data)
    }

    static let written: String = {
        var r = Registry()
        let t = Date(timeIntervalSince1970: 1_796_691_435)
        r.stacks["app"] = .init(project: "app", root: "/home/me/caf\u{e9} app", branch: nil, block: 21000, ports: ["postgres": 21000, "minio.console": 21003],
                                composeFile: "/home/me/app/.devenv/stacks/app/compose.yaml", created: t, lastUsed: t.addingTimeInterval(3600))
        r.stacks["app-feature-x"] = .init(project: "app", root: "/home/me/app-wt", branch: "feature/x", block: 21010, ports: [:],
                                          composeFile: "/c.yaml", created: t, lastUsed: t)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).json").path
        try! r.write(path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try! String(contentsOfFile: path, encoding: .utf8)
    }()

    @Test func aWrittenRegistryReadsBackTheSame() throws {
        let data = Data(Self.written.utf8)
        let read = try #require(Registry.decode(data))
        #expect(read == Self.decoder(data))
        #expect(read.stacks["app-feature-x"]?.branch == "feature/x" && read.stacks["app"]?.ports["minio.console"] == 21003)
        #expect(Registry.decode(Data(#"{"version": 1, "stacks": {}}"#.utf8)) == Registry())
    }

    /// Each change to a written file: both accept it (with equal results) or both refuse it.
    @Test func whatJSONDecoderRefusedIsRefused() {
        let w = Self.written
        let variants: [String] = [
            "", " ", "{}", "[]", "null", #"{"version": 1}"#, #"{"stacks": {}}"#, #"{"version": "1", "stacks": {}}"#, #"{"version": 1, "stacks": []}"#,
            #"{"version": 1.5, "stacks": {}}"#, #"{"version": 1, "stacks": {"a": null}}"#, #"{"version": 1, "stacks": {"a": {}}}"#,
            String(w.dropLast(40)), w + "x", w.replacingOccurrences(of: "\"block\"", with: "\"blocks\""),
            w.replacingOccurrences(of: "\"branch\" : \"feature\\/x\"", with: "\"branch\" : null"),
            w.replacingOccurrences(of: "\"branch\" : \"feature\\/x\"", with: "\"branch\" : 7"),
            w.replacingOccurrences(of: "21003", with: "\"21003\""), w.replacingOccurrences(of: "21003", with: "21003.5"),
            w.replacingOccurrences(of: ":15Z", with: ".250Z"), w.replacingOccurrences(of: ":15Z", with: ""),
            w.replacingOccurrences(of: "\"compose_file\"", with: "\"composeFile\""), w.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2, \"extra\": [1]"),
            w.replacingOccurrences(of: "\"project\" : \"app\"", with: "\"project\" : \"\""),
        ]
        for v in variants {
            let data = Data(v.utf8)
            #expect(Registry.decode(data) == Self.decoder(data), "\(v.prefix(120))")
        }
    }
}
