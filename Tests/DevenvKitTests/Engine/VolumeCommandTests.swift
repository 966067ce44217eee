import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct VolumeCommandTests {
    let throwaway = ["docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh"]

    @Test func createAndRemove() {
        #expect(VolumeCommands.create("shop--snap--one--postgres", labels: [("dev.devenv.stack", "shop"), ("dev.devenv.snapshot", "one")]).argv
            == ["docker", "volume", "create", "--label", "dev.devenv.stack=shop", "--label", "dev.devenv.snapshot=one", "shop--snap--one--postgres"])
        #expect(VolumeCommands.remove(["a", "b"]).argv == ["docker", "volume", "rm", "a", "b"])
    }

    @Test func anOverlayVolumeIsTheEnginesLocalDriverOverEngineSidePaths() {
        #expect(VolumeCommands.createOverlay("b_pg", lower: "/v/base/_data", upper: "/v/up/_data", work: "/v/wk/_data", labels: [("dev.devenv.stack", "b")]).argv
            == ["docker", "volume", "create", "--driver", "local", "--opt", "type=overlay", "--opt", "device=overlay",
                "--opt", "o=lowerdir=/v/base/_data,upperdir=/v/up/_data,workdir=/v/wk/_data", "--label", "dev.devenv.stack=b", "b_pg"])
    }

    /// The reflink clone's script on real folders, with this machine's cp: on a disk without
    /// reflinks (this test's temporary folder) it stops at its probe with the status that means
    /// "no reflinks here", having copied nothing.
    @Test func aReflinkCloneProbesFirstAndNeverFallsBackToACopy() throws {
        let c = ReflinkClone.command(base: "m_pg-base-1", into: "b_pg", image: "postgres:16", labels: [("dev.devenv.task", "branch-copy")])
        #expect(Array(c.argv.prefix(throwaway.count)) == throwaway)
        #expect(Array(c.argv.dropFirst(throwaway.count).dropLast(2)) == ["--label", "dev.devenv.task=branch-copy", "-v", "m_pg-base-1:/base:ro", "-v", "b_pg:/data", "postgres:16"])
        let script = try #require(c.argv.last)
        #expect(script.hasSuffix("cp -a --reflink=always /base/. /data/ || exit 5") && !script.contains("reflink=auto"))
        let dir = TestSupport.tempDir("reflink")
        let fs = try TestSupport.run(["stat", "-f", "-c", "%T", dir]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        guard fs != "xfs" && fs != "btrfs" else { return }   // a disk with reflinks: the probe would pass
        try TestSupport.run(["sh", "-c", "cd \(dir) && mkdir -p base/sub data && echo a > base/a && echo b > base/sub/b"])
        let local = script.replacingOccurrences(of: "/base", with: dir + "/base").replacingOccurrences(of: "/data", with: dir + "/data")
        let (status, _, stderr) = try TestSupport.run(["sh", "-c", local])
        #expect(status == ReflinkClone.unsupported, "\(fs): \(stderr)")
        #expect(stderr.contains("no reflinks"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/data").isEmpty, "nothing copied, no probe file left")
    }

    @Test func copyUsesAThrowawayContainerOfTheServicesImage() {
        let c = VolumeCommands.copy(from: "shop_postgres-data", to: "shop--snap--one--postgres", image: "postgres:16", labels: [("dev.devenv.stack", "shop")])
        #expect(c.argv == throwaway + ["--label", "dev.devenv.stack=shop", "-v", "shop_postgres-data:/from:ro", "-v", "shop--snap--one--postgres:/to",
                                       "postgres:16", "-c", "{ r=; cp --reflink=auto --version >/dev/null 2>&1 && r=--reflink=auto; cp -a $r /from/. /to/; }"])
        let again = VolumeCommands.copy(from: "a", to: "b", image: "i", emptyFirst: true)
        #expect(again.argv.last?.hasPrefix("for f in /to/* /to/.[!.]* /to/..?*; do") == true)
        #expect(again.argv.last?.hasSuffix("done && { r=; cp --reflink=auto --version >/dev/null 2>&1 && r=--reflink=auto; cp -a $r /from/. /to/; }") == true)
    }

    /// The copy script on real folders, with this machine's cp: one pass, owners and modes kept,
    /// a destination emptied first when asked (hidden entries too).
    @Test func copyScriptCopiesEverythingAndEmptiesFirst() throws {
        let dir = TestSupport.tempDir("cpscript")
        try TestSupport.run(["sh", "-c", "cd \(dir) && mkdir -p from/sub to && echo a > from/a && echo b > from/sub/.b && chmod 600 from/a && touch to/stale to/.stale"])
        let script = try #require(VolumeCommands.copy(from: "f", to: "t", image: "i", emptyFirst: true).argv.last)
            .replacingOccurrences(of: "/from", with: dir + "/from").replacingOccurrences(of: "/to", with: dir + "/to")
        let (status, _, err) = try TestSupport.run(["sh", "-c", script])
        #expect(status == 0, "\(err)")
        let (_, listing, _) = try TestSupport.run(["sh", "-c", "cd \(dir)/to && find . | sort && stat -c %a a"])
        #expect(listing == ".\n./a\n./sub\n./sub/.b\n600\n")
    }

    @Test func restoreStagesThenSwaps() {
        let stage = VolumeCommands.stage(from: "snap", into: "shop_redis-data", image: "redis:7")
        #expect(Array(stage.argv.dropLast()) == throwaway + ["-v", "snap:/from:ro", "-v", "shop_redis-data:/to", "redis:7", "-c"])
        #expect(stage.argv.last == "rm -rf /to/.devenv-restore /to/.devenv-restore.ready && mkdir /to/.devenv-restore && "
            + "{ r=; cp --reflink=auto --version >/dev/null 2>&1 && r=--reflink=auto; cp -a $r /from/. /to/.devenv-restore/; } "
            + "&& mv /to/.devenv-restore /to/.devenv-restore.ready || { s=$?; rm -rf /to/.devenv-restore /to/.devenv-restore.ready; exit $s; }")
        let swap = VolumeCommands.swapStaged(in: "shop_redis-data", image: "redis:7")
        #expect(Array(swap.argv.dropLast()) == throwaway + ["-v", "shop_redis-data:/to", "redis:7", "-c"])
        #expect(swap.argv.last?.hasPrefix("cd /to || exit 1; if [ -d .devenv-restore.ready ]; then") == true)
        #expect(VolumeCommands.unstage(in: "v", image: "i").argv.last == "rm -rf /to/.devenv-restore /to/.devenv-restore.ready")
    }

    /// The swap script run on a real folder: old entries (hidden ones too) go, staged ones arrive.
    @Test func swapScriptReplacesContentByRenames() throws {
        let dir = TestSupport.tempDir("swap")
        try TestSupport.run(["sh", "-c", "cd \(dir) && mkdir -p old/.devenv-restore.ready/sub && touch old/a old/.hidden old/..odd && echo new > old/.devenv-restore.ready/b && touch old/.devenv-restore.ready/.dot old/.devenv-restore.ready/sub/c"])
        let script = try #require(VolumeCommands.swapStaged(in: "v", image: "i").argv.last).replacingOccurrences(of: "/to", with: dir + "/old")
        let (status, _, err) = try TestSupport.run(["sh", "-c", script])
        #expect(status == 0, "\(err)")
        let (_, listing, _) = try TestSupport.run(["sh", "-c", "cd \(dir)/old && find . | sort"])
        #expect(listing == ".\n./.dot\n./b\n./sub\n./sub/c\n")
    }

    /// A swap killed half-way (old data gone, some entries moved in) is finished by running it again.
    @Test func anInterruptedSwapIsFinishedByRunningItAgain() throws {
        let dir = TestSupport.tempDir("swap2")
        try TestSupport.run(["sh", "-c", "cd \(dir) && mkdir -p v/.devenv-restore.moving/sub && echo b > v/b && touch v/.devenv-restore.moving/c v/.devenv-restore.moving/sub/d"])
        let script = try #require(VolumeCommands.swapStaged(in: "v", image: "i").argv.last).replacingOccurrences(of: "/to", with: dir + "/v")
        for _ in 0..<2 {
            let (status, _, err) = try TestSupport.run(["sh", "-c", script])
            #expect(status == 0, "\(err)")
            let (_, listing, _) = try TestSupport.run(["sh", "-c", "cd \(dir)/v && find . | sort"])
            #expect(listing == ".\n./b\n./c\n./sub\n./sub/d\n", "the second run has nothing left to do")
        }
    }

    @Test func snapshotNamesAndLabels() throws {
        #expect(Snapshot.volumeName(stack: "shop", snapshot: "one", service: "postgres", key: "postgres-data") == "shop--snap--one--postgres")
        #expect(Snapshot.volumeName(stack: "shop", snapshot: "one", service: "qdrant", key: "storage") == "shop--snap--one--storage")
        try Snapshot.validate("before-migration.2")
        for bad in ["", "-x", "a b", "a--b", "a/b"] { #expect(throws: DevenvError.self) { try Snapshot.validate(bad) } }
        #expect(Snapshot.humanSize(55_347_150) == "55.3 MB")
        #expect(Snapshot.humanSize(512) == "512 B")
    }

    @Test func composeStartAndCreate() {
        let p = ComposeProject(name: "shop", file: "/r/c.yaml")
        #expect(Compose.start(p, services: ["postgres"]).argv == ["docker", "compose", "--project-name", "shop", "--file", "/r/c.yaml", "start", "postgres"])
        #expect(Compose.create(p, services: ["redis"]).argv == ["docker", "compose", "--project-name", "shop", "--file", "/r/c.yaml", "create", "redis"])
    }
}
