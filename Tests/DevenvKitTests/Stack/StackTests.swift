import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct StackIdentityTests {
    @Test func projectStackIsTheName() {
        #expect(StackIdentity(project: "myflow", root: "/r", branch: nil).stack == "myflow")
    }

    @Test func sanitisedOrCutNamesGetAHashedSuffix() {
        let a = StackIdentity.stackName(project: "myflow", branch: "feature/x")
        let b = StackIdentity.stackName(project: "myflow", branch: "feature-x")
        #expect(a.hasPrefix("myflow-feature-x-"))
        #expect(b == "myflow-feature-x")
        #expect(a != b)
        let long = StackIdentity.stackName(project: "p", branch: String(repeating: "very-long-branch-", count: 8))
        #expect(long.count <= 63)
        #expect(long.range(of: "^[a-z0-9-]+$", options: .regularExpression) != nil)
        #expect(StackIdentity.stackName(project: "Rorun API", branch: nil) == StackIdentity.stackName(project: "Rorun API", branch: nil))
    }

    @Test func readsTheBranchFromGitWithoutGit() throws {
        let root = TestSupport.tempDir("git")
        try FileManager.default.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true)
        try "ref: refs/heads/feature/login\n".write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(GitInfo.currentBranch(at: root) == "feature/login")
        try "0123456789abcdef0123456789abcdef01234567\n".write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(GitInfo.currentBranch(at: root) == "0123456")
        let wt = TestSupport.tempDir("worktree")
        try "gitdir: \(root)/.git\n".write(toFile: wt + "/.git", atomically: true, encoding: .utf8)
        #expect(GitInfo.currentBranch(at: wt) == "0123456")
    }
}

@Suite struct PortAllocationTests {
    func identity(_ name: String) -> StackIdentity { StackIdentity(project: name, root: "/r/\(name)", branch: nil) }

    @Test func stacksGetDisjointStableBlocks() throws {
        var reg = Registry()
        let req = [PortRequest(key: "postgres"), PortRequest(key: "redis")]
        let a = try PortAllocator.allocate(identity: identity("a"), composeFile: "", requests: req, range: .default, registry: &reg, now: Date()) { _ in true }
        let b = try PortAllocator.allocate(identity: identity("b"), composeFile: "", requests: req, range: .default, registry: &reg, now: Date()) { _ in true }
        #expect(a == ["postgres": 17000, "redis": 17001])
        #expect(b == ["postgres": 17010, "redis": 17011])
        let again = try PortAllocator.allocate(identity: identity("a"), composeFile: "", requests: req, range: .default, registry: &reg, now: Date()) { _ in false }
        #expect(again == a)
    }

    @Test func takenPortsAreSkippedAndPinnedPortsKept() throws {
        var reg = Registry()
        let got = try PortAllocator.allocate(identity: identity("a"), composeFile: "",
                                             requests: [PortRequest(key: "postgres", pinned: 5432), PortRequest(key: "redis")],
                                             range: .default, registry: &reg, now: Date()) { $0 != 17000 }
        #expect(got == ["postgres": 5432, "redis": 17001])
    }

    /// `ls` shows the last use to the minute, so an `up` within a minute of it changes nothing
    /// (a warm `up` then leaves registry.json unwritten).
    @Test func lastUseIsKeptToTheMinute() throws {
        var reg = Registry()
        let req = [PortRequest(key: "postgres")]
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try PortAllocator.allocate(identity: identity("a"), composeFile: "", requests: req, range: .default, registry: &reg, now: t0) { _ in true }
        let first = reg
        _ = try PortAllocator.allocate(identity: identity("a"), composeFile: "", requests: req, range: .default, registry: &reg, now: t0 + 59) { _ in true }
        #expect(reg == first)
        _ = try PortAllocator.allocate(identity: identity("a"), composeFile: "", requests: req, range: .default, registry: &reg, now: t0 + 60) { _ in true }
        #expect(reg.stacks["a"]?.lastUsed == t0 + 60)
    }

    @Test func theRangeStaysOutOfEphemeralPorts() {
        #expect(PortRange.default.upper < 32768)
        #expect(throws: DevenvError.self) { try PortRange.from(environment: ["DEVENV_PORT_RANGE": "nonsense"]) }
        #expect(try! PortRange.from(environment: ["DEVENV_PORT_RANGE": "20000-20099"]).lower == 20000)
    }

    /// Threads taking the registry lock through separate file descriptors never hand out a port twice.
    @Test func concurrentAllocationsNeverShareAPort() throws {
        let home = TestSupport.tempDir("reg")
        let paths = DevenvPaths(environment: ["DEVENV_HOME": home])
        let results = Locked([Int]())
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            let ports = try? Registry.update(paths) { reg in
                try PortAllocator.allocate(identity: identity("s\(i)"), composeFile: "", requests: [PortRequest(key: "postgres"), PortRequest(key: "redis")],
                                           range: .default, registry: &reg, now: Date()) { _ in true }
            }
            results.with { $0 += Array((ports ?? [:]).values) }
        }
        let all = results.with { $0 }
        #expect(all.count == 24)
        #expect(Set(all).count == 24)
        #expect(try Registry.read(paths.registryFile).stacks.count == 12)
    }
}

@Suite struct ImageMapTests {
    @Test func exactAndRepositoryRules() {
        let map = ImageMap(rules: ["postgres:15": "stand-in/pg:15", "redis": "mirror.corp/redis", "minio/minio": "mirror.corp/minio"])
        #expect(map.resolve("postgres:15") == "stand-in/pg:15")
        #expect(map.resolve("postgres:16") == "postgres:16")
        #expect(map.resolve("redis:7") == "mirror.corp/redis:7")
        #expect(map.resolve("minio/minio:latest") == "mirror.corp/minio:latest")
        #expect(map.resolve("localhost:5000/app") == "localhost:5000/app")
    }

    @Test func fileAndEnvironmentOverride() throws {
        let dir = TestSupport.tempDir("images")
        try "images:\n  postgres:15: a/pg:15\n  redis:7: a/redis:7\n".write(toFile: dir + "/images.yml", atomically: true, encoding: .utf8)
        let map = try ImageMap.load(environment: ["DEVENV_CONFIG_HOME": dir, "DEVENV_IMAGE_MAP": "redis:7=b/redis:7"],
                                    paths: DevenvPaths(environment: ["DEVENV_CONFIG_HOME": dir]))
        #expect(map.resolve("postgres:15") == "a/pg:15")
        #expect(map.resolve("redis:7") == "b/redis:7")
        #expect(throws: DevenvError.self) { try ImageMap.load(environment: ["DEVENV_IMAGE_MAP": "oops"], paths: DevenvPaths(environment: [:])) }
    }
}
