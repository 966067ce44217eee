import Foundation
@testable import DevenvKit

/// Paths and helpers shared by the unit tests.
enum TestSupport {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = repoRoot + "/Tests/DevenvKitTests/Fixtures"

    static func templates() throws -> TemplateStore {
        try TemplateStore.load(searchPath: [repoRoot + "/templates"])
    }

    static func tempDir(_ name: String = "t") -> String {
        let dir = NSTemporaryDirectory() + "devenv-unit-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func parse(_ yaml: String, file: String = "/p/devenv.yml") throws -> Manifest {
        try ManifestLoader(kindSettings: try templates().kindSettings).parse(yaml, file: file)
    }

    static func problems(_ yaml: String) -> [ManifestProblem] {
        do { _ = try parse(yaml); return [] } catch let e as ManifestError { return e.problems } catch { return [ManifestProblem(line: 0, column: 0, "\(error)")] }
    }

    /// Runs a program and returns (status, stdout, stderr).
    @discardableResult
    static func run(_ argv: [String], cwd: String? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
