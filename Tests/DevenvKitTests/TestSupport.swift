import Foundation
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Paths and helpers shared by the unit tests.
enum TestSupport {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = repoRoot + "/Tests/DevenvKitTests/Fixtures"

    static func templates() throws -> KindCatalogue {
        try KindCatalogue.load(searchPath: [repoRoot + "/templates"])
    }

    /// A plan with ports claimed in a private registry under `home` (every port counts as
    /// free) and the given secrets instead of stored ones.
    static func plan(_ manifest: Manifest, identity: StackIdentity, secrets: Credentials.Store, home: String,
                     imageMap: ImageMap = ImageMap()) throws -> StackPlan {
        let planner = StackPlanner(kinds: try templates(), imageMap: imageMap)
        var claim = Claim(paths: DevenvPaths(environment: ["DEVENV_HOME": home, "HOME": home]), portRange: .default)
        claim.isPortFree = { _ in true }
        let ports = try claim.claim(planner.portRequests(manifest), identity: identity,
                                    composeFile: StackPlanner.stateDir(root: identity.root, stack: identity.stack) + "/compose.yaml", secrets: []).ports
        return try planner.plan(manifest, identity: identity, claims: Claims(ports: ports, secrets: secrets, claimed: true))
    }

    static func tempDir(_ name: String = "t") -> String {
        let dir = NSTemporaryDirectory() + "devenv-unit-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func parse(_ yaml: String, file: String = "/p/devenv.yml") throws -> Manifest {
        try ManifestLoader(kinds: try templates()).parse(yaml, file: file)
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
