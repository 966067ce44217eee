import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Both systems' rules as pure functions over recorded inputs: these run on Linux and macOS alike.
@Suite("Platform: process identity, forwarders, socket paths, case, port checks")
struct PlatformTests {
    // MARK: process identity

    /// `/proc/PID/stat` as Linux writes it; `comm` may hold spaces and parentheses.
    @Test func linuxStatGivesStartTimeAndZombies() {
        let running = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 150 0 0 0 1 2 0 0 20 0 1 0 987654 12345678 300 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        #expect(ProcessStart.linux(stat: running) == ProcessStart(time: 987654, isZombie: false))
        let zombie = "77 (sh) Z 1 77 77 0 -1 4227084 0 0 0 0 0 0 0 0 20 0 1 0 5550 0 0 18446744073709551615"
        #expect(ProcessStart.linux(stat: zombie) == ProcessStart(time: 5550, isZombie: true))
        #expect(ProcessStart.linux(stat: "garbage") == nil)
        #expect(ProcessStart.linux(stat: "1 (x) R") == ProcessStart(time: nil, isZombie: false))
    }

    /// `proc_bsdinfo` values as macOS reports them: start seconds and microseconds, status 5 is SZOMB.
    @Test func darwinBSDInfoGivesStartTimeAndZombies() {
        let a = ProcessStart.darwin(startSeconds: 1_765_000_000, startMicroseconds: 123_456, status: 2)   // SRUN
        #expect(a == ProcessStart(time: 1_765_000_000_123_456, isZombie: false))
        #expect(ProcessStart.darwin(startSeconds: 1_765_000_000, startMicroseconds: 123_457, status: 2) != a)   // a reused pid starts later
        #expect(ProcessStart.darwin(startSeconds: 10, startMicroseconds: 0, status: 5).isZombie)
    }

    /// This process, as this machine's platform sees it: alive, not a zombie, with a stable start.
    @Test func thisProcessHasAStableStart() throws {
        let me = try #require(Machine.platform.processStart(getpid()))
        #expect(!me.isZombie)
        #expect(Machine.platform.processStart(getpid()) == me)
        #expect(Machine.platform.processStart(Int32.max - 1) == nil)
    }

    /// `ports free` asks who runs a holder before signalling it: this process runs as us.
    @Test func thisProcessRunsAsThisUser() {
        #expect(Machine.platform.processOwner(getpid()) == UInt32(getuid()))
        #expect(Machine.platform.processOwner(Int32.max - 1) == nil)
    }

    // MARK: engine forwarders, from recorded lsof output

    @Test func dockerDesktopOrbStackAndLimaForwardersAreNamed() throws {
        let desktop = LsofListeners.parse(try PortsFixtures.text("lsof-listen.txt")).filter { $0.port == 6379 }
        #expect(EngineForwarder.of(try #require(desktop.first?.holder))?.engine == "Docker Desktop")

        let orb = LsofListeners.parse(try PortsFixtures.text("lsof-orbstack.txt"))
        #expect(orb.count == 3)
        #expect(orb.allSatisfy { EngineForwarder.of($0.holder)?.engine == "OrbStack" })

        let colima = LsofListeners.parse(try PortsFixtures.text("lsof-colima.txt"))
        #expect(EngineForwarder.of(colima.first { $0.port == 20000 }?.holder)?.engine == "Lima (Colima, Rancher Desktop)")
        // lsof gives only the command name: an ssh is the user's unless its command names a Lima folder.
        #expect(EngineForwarder.of(colima.first { $0.port == 2222 }?.holder) == nil)
        let limaSSH = PortHolder(pid: 2301, command: "ssh -F /Users/alice/.colima/_lima/colima/ssh.config -L 127.0.0.1:20010:127.0.0.1:20010 lima-colima")
        #expect(EngineForwarder.of(limaSSH)?.engine == "Lima (Colima, Rancher Desktop)")
    }

    @Test func linuxForwardersAreNamedByTheirProgram() {
        for (command, engine) in [("/usr/bin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 20000", "Docker's userland proxy"),
                                  ("/usr/bin/rootlessport", "rootless Podman"), ("rootlesskit --net=slirp4netns dockerd", "rootless Docker"),
                                  ("/usr/libexec/podman/gvproxy -listen-qemu unix:///tmp/qemu.sock", "Podman machine"),
                                  ("pasta --config-net -t 20000", "rootless Podman (pasta)"),
                                  ("/usr/bin/slirp4netns --disable-host-loopback 4242 tap0", "rootless Podman (slirp4netns)")] {
            #expect(EngineForwarder.of(PortHolder(pid: 10, command: command))?.engine == engine, "\(command)")
        }
        #expect(EngineForwarder.of(PortHolder(pid: 10, command: "python3 -m http.server 20000")) == nil)
        #expect(EngineForwarder.of(nil) == nil)
        // Linux's 15-character name where the command line is unreadable, and a name with a space.
        #expect(EngineForwarder.of(PortHolder(pid: 10, command: "com.docker.back"))?.engine == "Docker Desktop")
        #expect(EngineForwarder.of(PortHolder(pid: 10, command: "OrbStack Helper --port 20000"))?.engine == "OrbStack")
        // An ssh is the user's unless its command names a Lima folder.
        #expect(EngineForwarder.of(PortHolder(pid: 10, command: "ssh -L 20000:127.0.0.1:20000 build-box")) == nil)
        #expect(EngineForwarder.of(PortHolder(pid: 10, command: "ssh -F /home/a/.lima/default/ssh.config -L 20000:127.0.0.1:20000 lima-default"))?.engine
                == "Lima (Colima, Rancher Desktop)")
    }

    /// A port the engine says a stack's container publishes is the stack's, whoever forwards it —
    /// or nobody (`--userland-proxy=false`).
    @Test func ownershipComesFromTheEngineWhateverHoldsThePort() {
        let docker = SimulatedDocker()
        docker.addContainer(project: "shop", service: "postgres", labels: ["dev.devenv.stack": "shop"], ports: [20000: 5432])
        var owners = PortOwners(engine: docker)
        for holder in [PortHolder(pid: 2024, command: "com.docker.backend"), PortHolder(pid: 812, command: "OrbStack Helper"),
                       PortHolder(pid: 9, command: "/usr/bin/gvproxy"), PortHolder(pid: 11, command: "rootlessport"), nil] {
            let owner = owners.owner(of: Listener(port: 20000, address: "127.0.0.1", inode: 0, holder: holder))
            #expect(owner.stack == "shop" && owner.container != nil && owner.pid == nil, "\(String(describing: holder))")
        }
        #expect(owners.container(publishing: 20000)?.labels["dev.devenv.stack"] == "shop")
        // devenv's own ssh forward of a remote stack holds the local port the remote engine publishes there.
        owners.forwards = [4711: (stack: "shop", endpoint: "ssh://build-box")]
        let forward = owners.owner(of: Listener(port: 20000, address: "127.0.0.1", inode: 0, holder: PortHolder(pid: 4711, command: "ssh -N -L …")))
        #expect(forward.forward == "ssh://build-box" && forward.pid == 4711 && forward.stack == "shop" && forward.container == nil)
    }

    /// A forwarder no reachable engine claims is named, never signalled: `ports free` refuses it.
    @Test func portsFreeRefusesAnEngineForwarder() throws {
        var owners = PortOwners(engine: SimulatedDocker())
        let owner = owners.owner(of: Listener(port: 20005, address: "127.0.0.1", inode: 0, holder: PortHolder(pid: 2024, command: "com.docker.backend")))
        #expect(owner.engineForwarder == "Docker Desktop")
        #expect(owner.summary.contains("Docker Desktop's port forwarder"))
        let error = #expect(throws: DevenvError.self) { try FreePortOperation(port: 20005, yes: true).plan(owner, registry: Registry()) }
        #expect(error?.exitCode == .portConflict)
        #expect(error?.message.contains("never signals") == true)
        #expect(error?.hint?.contains("publish=20005") == true)
        // An ordinary process is still stopped.
        let plain = PortOwner(pid: 4242, command: "python3 -m http.server", user: nil)
        #expect(try FreePortOperation(port: 20005, yes: true).plan(plain, registry: Registry()) == .signal(pid: 4242))
    }

    // MARK: socket paths, case, port checks

    @Test func socketFolderStaysWithinEachSystemsLimit() {
        // A state folder whose sockets fit Linux's 108-byte sun_path but not macOS's 104.
        var paths = DevenvPaths(environment: ["HOME": "/tmp"])
        paths.home = "/Users/" + String(repeating: "a", count: 53)
        let fits = paths.home + "/run"
        #expect((104...107).contains(fits.utf8.count + SSHEngine.longestSocketName))
        #expect(SSHEngine.runDirectory(paths: paths, socketPathLimit: 107) == fits)                       // Linux
        #expect(SSHEngine.runDirectory(paths: paths, socketPathLimit: 103) == "/tmp/devenv-\(getuid())")  // macOS
        let tooLong = DevenvPaths(environment: ["HOME": "/tmp", "DEVENV_HOME": "/Users/" + String(repeating: "b", count: 60)])
        #expect(SSHEngine.runDirectory(paths: tooLong, socketPathLimit: 103).hasPrefix("/tmp/devenv-"))
        #expect(Machine.platform.socketPathLimit == (Machine.platform.name == "linux" ? 107 : 103))
    }

    /// Snapshot records are files named after the snapshot: on a case-insensitive disk (macOS's
    /// default) `Before` and `before` would share one.
    @Test func snapshotNamesThatDifferOnlyInCaseClashOnACaseInsensitiveDisk() {
        #expect(Snapshot.caseClash("Before", existing: ["before", "other"], caseSensitive: false) == "before")
        #expect(Snapshot.caseClash("Before", existing: ["before"], caseSensitive: true) == nil)
        #expect(Snapshot.caseClash("before", existing: ["before"], caseSensitive: false) == nil)   // the same name is the exact-name check's
        #expect(Snapshot.caseClash("new", existing: ["before"], caseSensitive: false) == nil)
    }

    @Test func caseSensitivityIsAskedOfTheDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("devenv-case-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let answer = Machine.platform.isCaseSensitive(dir)
        #expect(answer == CaseProbe.isCaseSensitive(dir))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "the probe leaves nothing behind")
    }

    /// A listener on every interface (0.0.0.0 or ::) makes the port taken, whatever the bind of
    /// 127.0.0.1 with SO_REUSEADDR says (BSD sockets allow that bind).
    @Test func aWildcardListenerCannotHideFromThePortCheck() throws {
        for (family, any) in [(AF_INET, "0.0.0.0"), (AF_INET6, "::")] {
            let fd = socket(family, Posix.streamSocket, 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            var port = 0
            if family == AF_INET {
                var a = sockaddr_in(); a.sin_family = sa_family_t(AF_INET); a.sin_port = 0; a.sin_addr.s_addr = INADDR_ANY
                let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                try #require(rc == 0)
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
                port = Int(UInt16(bigEndian: a.sin_port))
            } else {
                var a = sockaddr_in6(); a.sin6_family = sa_family_t(AF_INET6); a.sin6_port = 0; a.sin6_addr = in6addr_any
                let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
                guard rc == 0 else { continue }   // no IPv6 here
                var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
                _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
                port = Int(UInt16(bigEndian: a.sin6_port))
            }
            try #require(listen(fd, 8) == 0)
            #expect(!PortProbe.isFree(port), "a listener on \(any):\(port)")
            #expect(PortProbe.answers(host: family == AF_INET ? "127.0.0.1" : "::1", port))
        }
    }
}
