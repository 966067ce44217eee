import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct ParentStackTests {
    @Test func aFeatureBranchLooksAtTheDefaultBranchesStacks() {
        #expect(ParentStack.candidates(project: "shop", branch: "feature/x", isolation: .branch, defaultBranches: ["main", "master"])
            == ["shop-main", "shop-master"])
        #expect(ParentStack.candidates(project: "shop", branch: "feature/x", isolation: .branch,
                                       defaultBranches: GitRefs.defaultBranches(originHead: "develop"))
            == ["shop-develop", "shop-main", "shop-master"])
    }

    @Test func theDefaultBranchHasNoBranchParent() {
        #expect(ParentStack.candidates(project: "shop", branch: "main", isolation: .branch, defaultBranches: ["main", "master"]).isEmpty)
    }

    @Test func upBranchInAProjectIsolatedProjectCopiesTheProjectStackFirst() {
        #expect(ParentStack.candidates(project: "shop", branch: "feature/x", isolation: .project, defaultBranches: ["main", "master"])
            == ["shop", "shop-main", "shop-master"])
        #expect(ParentStack.candidates(project: "shop", branch: "main", isolation: .project, defaultBranches: ["main"]) == ["shop"])
    }

    @Test func theFirstUsableCandidateWins() {
        #expect(ParentStack.choose(["shop-main", "shop-master"]) { $0 == "shop-master" } == "shop-master")
        #expect(ParentStack.choose(["shop-main"]) { _ in false } == nil)
    }

    @Test func aParentIsOfTheSameProjectWithAFolderAndData() {
        let entry = Registry.Entry(project: "shop", root: "/r", branch: "main", block: 17000, ports: [:], composeFile: "/r/c.yaml",
                                   created: Date(), lastUsed: Date())
        #expect(ParentStack.unusable("shop-main", project: "shop", entry: entry, rootHasManifest: true, volumes: 2) == nil)
        #expect(ParentStack.unusable("shop-main", project: "shop", entry: nil, rootHasManifest: false, volumes: 0)?.contains("no stack") == true)
        #expect(ParentStack.unusable("shop-main", project: "other", entry: entry, rootHasManifest: true, volumes: 2)?.contains("belongs to project 'shop'") == true)
        #expect(ParentStack.unusable("shop-main", project: "shop", entry: entry, rootHasManifest: false, volumes: 2)?.contains("no devenv.yml") == true)
        #expect(ParentStack.unusable("shop-main", project: "shop", entry: entry, rootHasManifest: true, volumes: 0)?.contains("no data") == true)
    }
}

@Suite struct GitRefsTests {
    @Test func defaultBranchesPutOriginHeadFirstWithoutRepeats() {
        #expect(GitRefs.defaultBranches(originHead: nil) == ["main", "master"])
        #expect(GitRefs.defaultBranches(originHead: "master") == ["master", "main"])
        #expect(GitRefs.parseOriginHead("ref: refs/remotes/origin/trunk\n") == "trunk")
        #expect(GitRefs.parseOriginHead("0123456789abcdef") == nil)
    }

    @Test func localBranchesComeFromFullRefNames() {
        #expect(GitRefs.localBranchesCommand(root: "/r").argv == ["git", "-C", "/r", "for-each-ref", "--format=%(refname)", "refs/heads/"])
        #expect(GitRefs.parseLocalBranches("refs/heads/main\nrefs/heads/feature/x\n\n") == ["main", "feature/x"])
    }

    /// A worktree's `.git` file leads to `<repo>/.git/worktrees/<name>`, whose `commondir` leads back.
    @Test func aWorktreeFindsTheSharedRefsAndDiesWithItsGitDir() throws {
        let repo = TestSupport.tempDir("repo"), wt = TestSupport.tempDir("wt")
        let fm = FileManager.default
        try fm.createDirectory(atPath: repo + "/.git/worktrees/wt", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: repo + "/.git/refs/remotes/origin", withIntermediateDirectories: true)
        try "ref: refs/heads/main\n".write(toFile: repo + "/.git/HEAD", atomically: true, encoding: .utf8)
        try "ref: refs/remotes/origin/trunk\n".write(toFile: repo + "/.git/refs/remotes/origin/HEAD", atomically: true, encoding: .utf8)
        try "ref: refs/heads/feature\n".write(toFile: repo + "/.git/worktrees/wt/HEAD", atomically: true, encoding: .utf8)
        try "../..\n".write(toFile: repo + "/.git/worktrees/wt/commondir", atomically: true, encoding: .utf8)
        try "gitdir: \(repo)/.git/worktrees/wt\n".write(toFile: wt + "/.git", atomically: true, encoding: .utf8)
        #expect(GitRefs.commonDirectory(from: wt) == URL(fileURLWithPath: repo + "/.git").standardizedFileURL.path)
        #expect(GitRefs.originHead(at: wt) == "trunk")
        #expect(GitRefs.originHead(at: repo) == "trunk")
        #expect(GitInfo.currentBranch(at: wt) == "feature")
        #expect(GitRefs.isWorkTree(wt) && GitRefs.isWorkTree(repo))
        try fm.removeItem(atPath: repo + "/.git/worktrees/wt")   // `git worktree prune`
        #expect(!GitRefs.isWorkTree(wt))
    }
}

@Suite struct GcPolicyTests {
    func facts(branch: String? = "feature/x", exists: Bool = true, workTree: Bool = true, branches: Set<String>? = ["main"],
               checkedOut: String? = "main", root: String = "/src/shop") -> GcPolicy.Facts {
        GcPolicy.Facts(root: root, branch: branch, rootExists: exists, isWorkTree: workTree, localBranches: branches, checkedOut: checkedOut)
    }

    @Test func removesWhenTheFolderIsGone() {
        #expect(GcPolicy.verdict(facts(branch: nil, exists: false)) == .remove("its project folder /src/shop is gone"))
        #expect(GcPolicy.verdict(facts(exists: false)) == .remove("its worktree folder /src/shop is gone"))
    }

    @Test func removesWhenTheBranchWasDeletedOrTheWorktreeRemoved() {
        #expect(GcPolicy.verdict(facts()) == .remove("its branch 'feature/x' was deleted"))
        #expect(GcPolicy.verdict(facts(workTree: false)) == .remove("/src/shop is no longer a git worktree"))
        #expect(GcPolicy.verdict(facts(branch: "abc1234")) == .remove("detached commit abc1234 is no longer checked out at /src/shop"))
    }

    @Test func keepsLiveStacksAndWhatItCannotJudge() {
        #expect(GcPolicy.verdict(facts(branch: nil)) == .keep, "a project stack with its folder")
        #expect(GcPolicy.verdict(facts(branch: "", workTree: false)) == .keep, "an empty branch label is a project stack")
        #expect(GcPolicy.verdict(facts(branches: ["main", "feature/x"])) == .keep)
        #expect(GcPolicy.verdict(facts(branches: [], checkedOut: "feature/x")) == .keep, "an unborn branch has no ref yet")
        #expect(GcPolicy.verdict(facts(branch: "abc1234", checkedOut: "abc1234")) == .keep, "the detached HEAD in use")
        #expect(GcPolicy.verdict(facts(branches: nil)) == .keep, "git could not list the branches")
        #expect(GcPolicy.verdict(facts(exists: false, root: "")) == .keep, "no root recorded")
    }
}

@Suite struct StackRemovalTests {
    @Test func commandsTouchOnlyTheGivenIDs() {
        #expect(StackRemoval.removeContainers(["a1", "b2"]).argv == ["docker", "rm", "--force", "a1", "b2"])
        #expect(StackRemoval.removeNetworks(["n1"]).argv == ["docker", "network", "rm", "n1"])
    }

    @Test func anEngineRemovalAlreadyUnderWayIsNotAFailure() {
        #expect(StackRemoval.removalUnderWay("Error response from daemon: removal of container 2f81d17f is already in progress"))
        #expect(StackRemoval.removalUnderWay("Error response from daemon: No such container: 2f81d17f"))
        #expect(!StackRemoval.removalUnderWay("Error response from daemon: cannot remove container: permission denied"))
    }
}

@Suite struct StackInventoryTests {
    static func decode<T: Decodable>(_ json: String) throws -> T { try JSONDecoder().decode(T.self, from: Data(json.utf8)) }

    static func labels(_ stack: String, branch: String = "") -> String {
        "{\"dev.devenv.stack\":\"\(stack)\",\"dev.devenv.project\":\"shop\",\"dev.devenv.root\":\"/src/\(stack)\",\"dev.devenv.branch\":\"\(branch)\",\"com.docker.compose.service\":\"postgres\"}"
    }

    @Test func joinsTheRegistryWithTheEnginesLabelledResources() throws {
        var reg = Registry()
        let used = Date(timeIntervalSince1970: 1_700_000_000)
        for (name, branch) in [("shop-main", "main"), ("shop-gone", "old")] {
            reg.stacks[name] = Registry.Entry(project: "shop", root: "/src/shop", branch: branch, block: 17000, ports: ["postgres": 17000],
                                              composeFile: "/src/shop/.devenv/stacks/\(name)/compose.yaml", created: used, lastUsed: used)
        }
        let containers: [ContainerInfo] = try Self.decode("""
        [{"Id":"c1","State":"running","Labels":\(Self.labels("shop-main", branch: "main"))},
         {"Id":"c2","State":"exited","Labels":\(Self.labels("shop-orphan", branch: "x")),"Ports":[{"PrivatePort":5432,"PublicPort":17020,"Type":"tcp"}]}]
        """)
        let volumes: [VolumeInfo] = try Self.decode("""
        [{"Name":"shop-main_postgres-data","Labels":\(Self.labels("shop-main", branch: "main"))},
         {"Name":"shop-main--snap--s--postgres","Labels":\(Self.labels("shop-main", branch: "main"))},
         {"Name":"shop-orphan_postgres-data","Labels":\(Self.labels("shop-orphan", branch: "x"))}]
        """)
        let records = StackInventory.merge(registry: reg, containers: containers, volumes: volumes, networks: [],
                                           sizes: ["shop-main_postgres-data": 1000, "shop-main--snap--s--postgres": 500])
        #expect(records.map(\.stack) == ["shop-gone", "shop-main", "shop-orphan"])
        let main = records[1], gone = records[0], orphan = records[2]
        #expect(main.state == "running" && main.diskBytes == 1500 && main.inRegistry && main.volumes.count == 2)
        #expect(gone.state == "missing" && gone.diskBytes == 0)
        #expect(orphan.state == "stopped" && !orphan.inRegistry && orphan.root == "/src/shop-orphan" && orphan.branch == "x")
        #expect(orphan.ports == ["postgres": 17020] && orphan.diskBytes == nil && orphan.lastUsed == nil)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(main), as: UTF8.self)
        #expect(json == #"{"branch":"main","disk_bytes":1500,"last_used":"2023-11-14T22:13:20Z","ports":{"postgres":17000},"project":"shop","root":"\/src\/shop","stack":"shop-main","state":"running"}"#)
    }
}
