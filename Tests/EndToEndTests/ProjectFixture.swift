import Foundation
import Testing
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit

/// A temporary project folder with its own stack name, driven through the real `devenv`
/// binary against the real engine. `ProjectFixture.with` tears the stack down (volumes too)
/// and removes the folder afterwards, in reverse order, even when the test fails.
final class ProjectFixture: @unchecked Sendable {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var binary: String { ProcessInfo.processInfo.environment["DEVENV_BIN"] ?? repoRoot + "/.build/debug/devenv" }
    /// One registry for the whole test run, so parallel stacks never share a port.
    static let home: String = {
        let dir = NSTemporaryDirectory() + "devenv-e2e-home-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// DEVENV_PORT_RANGE split in two: the shared registry's stacks get all but its last 100
    /// ports; tests with a registry of their own (they damage it on purpose) get those 100, so
    /// two registries never hand out one port.
    static let ranges: (shared: String, own: String) = {
        let text = ProcessInfo.processInfo.environment["DEVENV_PORT_RANGE"] ?? "17000-19999"
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, parts[1] - parts[0] >= 200 else { return (text, text) }
        return ("\(parts[0])-\(parts[1] - 100)", "\(parts[1] - 99)-\(parts[1])")
    }()
    /// The environment every devenv run of the tests gets.
    static var baseEnv: [String: String] { ["DEVENV_HOME": home, "NO_COLOR": "1", "DEVENV_PORT_RANGE": ranges.shared] }

    let root: String
    let name: String
    private var cleanups: [() -> Void] = []
    /// Variables every `devenv` run of this fixture gets (an engine: DOCKER_HOST, DOCKER_CONFIG …).
    var environment: [String: String] = [:]
    /// A program line the binary runs under (`unshare -m sh -c '…' devenv`); empty: none.
    var launcher: [String] = []
    /// The engine the label cleanup asks (`docker -H`), when it is not the default one.
    var cleanupDockerHost: String?

    init(_ label: String) throws {
        name = "e2e-\(label)-\(UUID().uuidString.prefix(6).lowercased())"
        root = NSTemporaryDirectory() + name
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        cleanups.append { [root] in try? FileManager.default.removeItem(atPath: root) }
    }

    static func with<T>(_ label: String, _ body: (ProjectFixture) throws -> T) throws -> T {
        let f = try ProjectFixture(label)
        defer { f.tearDown() }
        return try body(f)
    }

    /// Registers a cleanup; they run last-registered first.
    func onTearDown(_ c: @escaping () -> Void) { cleanups.append(c) }

    func tearDown() {
        if FileManager.default.fileExists(atPath: root + "/devenv.yml") {
            _ = try? devenv(["down", "--all", "--volumes", "--yes"])   // every stack of the project: branches and worktrees too
        }
        // Anything the stack left behind, found by devenv's labels only.
        _ = try? Self.run(["sh", "-c", (cleanupDockerHost.map { "export DOCKER_HOST=\($0) DOCKER_CONTEXT=; " } ?? "") + "ids=$(docker ps -aq --filter label=dev.devenv.project=\(name)); [ -z \"$ids\" ] || docker rm -f $ids >/dev/null; vols=$(docker volume ls -q --filter label=dev.devenv.project=\(name)); [ -z \"$vols\" ] || docker volume rm $vols >/dev/null"])
        for c in cleanups.reversed() { c() }
        cleanups.removeAll()
    }

    func write(_ path: String, _ text: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: root + "/" + path, encoding: .utf8) }

    func manifest(_ body: String) throws { try write("devenv.yml", "name: \(name)\n" + body) }

    struct Result: Sendable { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `body` for 0..<n at once (threads, like n terminals) and returns the results in order.
    static func concurrently<T: Sendable>(_ n: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let box = Locked([T?](repeating: nil, count: n))
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let r = body(i)
            box.with { $0[i] = r }
        }
        return box.with { $0.map { $0! } }
    }

    @discardableResult
    func devenv(_ args: [String], env: [String: String] = [:]) throws -> Result {
        try Self.run(launcher + [Self.binary] + args, cwd: root, env: Self.baseEnv.merging(environment) { $1 }.merging(env) { $1 })
    }

    /// `devenv status --json` decoded.
    func status() throws -> [String: Any] {
        let r = try devenv(["status", "--json"])
        #expect(r.status == 0, "status failed: \(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    func service(_ name: String) throws -> [String: Any] {
        let services = try status()["services"] as? [[String: Any]] ?? []
        return try #require(services.first { $0["name"] as? String == name })
    }

    @discardableResult
    static func run(_ argv: [String], cwd: String? = nil, env: [String: String] = [:], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let errors = Locked(Data())
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { let d = err.fileHandleForReading.readDataToEndOfFile(); errors.with { $0 = d }; group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: errors.with { $0 }, as: UTF8.self))
    }

    /// Container ids of the stack, by service.
    func containerIDs() throws -> [String] {
        try Self.run(["docker", "ps", "-q", "--no-trunc", "--filter", "label=dev.devenv.project=\(name)"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }
}
