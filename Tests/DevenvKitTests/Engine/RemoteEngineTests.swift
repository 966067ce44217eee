import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// ssh command lines, the docker binding of every command, the remote stack's refusals and
/// records (the end-to-end side is Tests/EndToEndTests/EngineTests.swift).
@Suite struct RemoteEngineTests {
    let target = SSHTarget(user: "me", host: "box", port: 2222)
    let opts = ["-o", "ConnectTimeout=3", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3"]

    @Test func theEngineConnectionIsOneControlMaster() {
        #expect(SSHCommands.master(target, control: "/r/k.ctl").argv == ["ssh", "-l", "me", "-p", "2222"] + opts + [
            "-o", "ControlMaster=yes", "-o", "ControlPath=/r/k.ctl", "-o", "ControlPersist=600", "-o", "StreamLocalBindUnlink=yes",
            "-f", "-N", "-T", "--", "box"])
        #expect(SSHCommands.forwardSocket(target, control: "/r/k.ctl", local: "/r/k.sock", remote: "/var/run/docker.sock").argv == [
            "ssh", "-l", "me", "-p", "2222", "-o", "ControlPath=/r/k.ctl", "-O", "forward", "-L", "/r/k.sock:/var/run/docker.sock", "--", "box"])
        #expect(SSHCommands.check(SSHTarget(host: "box"), control: "/c").argv == ["ssh", "-o", "ControlPath=/c", "-O", "check", "--", "box"])
        #expect(SSHCommands.exit(SSHTarget(host: "box"), control: "/c").argv == ["ssh", "-o", "ControlPath=/c", "-O", "exit", "--", "box"])
    }

    @Test func requestsRideTheMaster() {
        let plain = SSHCommands.dialStdio(SSHTarget(host: "box"), control: "/c")
        #expect(plain.argv == ["ssh"] + opts + ["-o", "ControlMaster=no", "-o", "ControlPath=/c", "-T", "--", "box", "docker system dial-stdio"])
        let socket = SSHCommands.dialStdio(SSHTarget(host: "box", socketPath: "/run/user/1000/docker.sock"), control: "/c")
        #expect(socket.argv.last == "docker --host=unix:///run/user/1000/docker.sock system dial-stdio")
        #expect(SSHCommands.remoteEngineHost(SSHTarget(host: "box"), control: "/c").argv.last == "docker context inspect --format '{{.Endpoints.docker.Host}}'")
    }

    @Test func aStackForwardIsItsOwnSessionForEveryPort() {
        #expect(SSHCommands.portForward(SSHTarget(host: "10.0.0.2"), control: "/r/f.ctl", ports: [17000, 17001]).argv == ["ssh"] + opts + [
            "-o", "ControlMaster=yes", "-o", "ControlPath=/r/f.ctl", "-o", "ControlPersist=no", "-o", "ExitOnForwardFailure=yes",
            "-f", "-N", "-T", "-L", "127.0.0.1:17000:127.0.0.1:17000", "-L", "127.0.0.1:17001:127.0.0.1:17001", "--", "10.0.0.2"])
        #expect(SSHCommands.masterPID("Master running (pid=4242)\r\n") == 4242)
        #expect(SSHCommands.masterPID("Control socket connect(/c): No such file or directory") == nil)
        #expect(SSHCommands.reason("ssh: connect to host 10.0.0.2 port 2200: Connection timed out\r\n") == "ssh: connect to host 10.0.0.2 port 2200: Connection timed out")
    }

    @Test func everyDockerCommandGoesToTheResolvedEngine() {
        let env = EngineEndpoint(address: .unix(path: "/ctx.sock"), source: .contextOption("ctx")).dockerEnvironment()
        #expect(env == ["DOCKER_HOST": "unix:///ctx.sock", "DOCKER_CONTEXT": "", "DOCKER_TLS_VERIFY": "", "DOCKER_TLS": "", "DOCKER_CERT_PATH": ""])
        let up = EngineBoundRunner.bind(Compose.up(ComposeProject(name: "s", file: "/f.yaml")), environment: env)
        #expect(up.environment["DOCKER_HOST"] == "unix:///ctx.sock" && up.environment["DOCKER_CONTEXT"] == "")
        #expect(up.argv == Compose.up(ComposeProject(name: "s", file: "/f.yaml")).argv)
        #expect(EngineBoundRunner.bind(Command("git", ["status"]), environment: env).environment.isEmpty)
        let own = EngineBoundRunner.bind(Command("docker", ["ps"], environment: ["DOCKER_HOST": "unix:///mine.sock"]), environment: env)
        #expect(own.environment["DOCKER_HOST"] == "unix:///mine.sock")
        let ssh = EngineEndpoint(address: .ssh(SSHTarget(host: "box")), source: .dockerHost)
        #expect(ssh.dockerEnvironment(via: "unix:///r/k.sock")["DOCKER_HOST"] == "unix:///r/k.sock")
        #expect(ssh.dockerEnvironment()["DOCKER_HOST"] == "ssh://box")
    }

    @Test func theContextRunnerBindsDockerCommands() async throws {
        let recorder = Recorder()
        let env = ["HOME": "/nonexistent", "DOCKER_CONFIG": "/nonexistent", "DOCKER_HOST": "unix:///relay.sock"]
        let ctx = DevenvContext(cwd: "/", environment: env, output: Output(environment: [:]), runner: recorder)
        _ = try await ctx.runner.capture(Command("docker", ["compose", "version"]))
        _ = try await ctx.runner.capture(Command("psql", ["-c", "select 1"]))
        #expect(recorder.commands.map(\.environment["DOCKER_HOST"]) == ["unix:///relay.sock", nil])
    }

    @Test func hostBindMountsAreFound() {
        let compose = """
        services:
          db:
            image: postgres
            volumes: ["db-data:/var/lib/postgresql/data"]
          web:
            image: nginx
            volumes:
              - /home/me/site:/usr/share/nginx/html:ro
              - cache:/cache
              - type: bind
                source: /home/me/conf
                target: /etc/nginx/conf.d
              - type: volume
                source: logs
                target: /var/log
        """
        let mounts = RemoteStack.hostMounts(compose)
        #expect(mounts.map(\.service) == ["web", "web"])
        #expect(mounts.map(\.source) == ["/home/me/site", "/home/me/conf"])
        #expect(mounts.map(\.target) == ["/usr/share/nginx/html", "/etc/nginx/conf.d"])
        #expect(RemoteStack.hostMounts("services: {}").isEmpty)
    }

    @Test func theStackRecordRoundTrips() throws {
        let home = TestSupport.tempDir("engine-record")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let paths = DevenvPaths(environment: ["DEVENV_HOME": home])
        let record = StackEngineRecord(endpoint: "ssh://me@box", source: "DOCKER_HOST",
                                       forward: .init(pid: 99_999_999, control: home + "/run/f.ctl", ports: [17000], started: Date(timeIntervalSince1970: 1_800_000_000)))
        try record.write(paths, stack: "shop")
        #expect(StackEngineRecord.read(paths, stack: "shop") == record)
        #expect(!StackForward.isAlive(record.forward!))
        let mode = try FileManager.default.attributesOfItem(atPath: StackEngineRecord.file(paths, stack: "shop"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(StackForward.control(paths, stack: "shop", target: target).hasPrefix(home + "/run/f-"))
    }

    @Test func aForwardHolderReadsAsDevenvsSSH() {
        let owner = PortOwner(pid: 4242, command: "ssh -f -N -L …", user: "me", container: nil, containerID: nil, composeProject: nil,
                              stack: "shop", forward: "ssh://me@box")
        #expect(owner.summary == "devenv's ssh forward to ssh://me@box (pid 4242, stack shop)")
        #expect(PortsOperation.json([.init(port: 17000, stack: "shop", service: "postgres", state: "listening", holder: owner)])
            .contains(#""forward" : "ssh://me@box""#))
    }

    @Test func engineChecksNameDockerOrPodman() {
        let podman: [String: Any] = ["Version": "4.3.1", "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64",
                                     "Components": [["Name": "Podman Engine", "Version": "4.3.1"]]]
        #expect(EngineCheck.describe(version: podman) == "Podman 4.3.1 (Docker-compatible API 1.41, linux/amd64)")
        #expect(EngineCheck.isPodman(version: podman))
        let docker: [String: Any] = ["Version": "20.10.24", "ApiVersion": "1.41", "Components": [["Name": "Engine", "Version": "20.10.24"]]]
        #expect(EngineCheck.describe(version: docker) == "Docker Engine 20.10.24 (API 1.41)")
    }
}

/// Records commands instead of running them.
final class Recorder: ProcessRunning, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Command] = []
    var commands: [Command] { lock.lock(); defer { lock.unlock() }; return recorded }
    func capture(_ command: Command) async throws -> CommandResult {
        record(command)
        return CommandResult(status: 0, stdout: "", stderr: "")
    }
    private func record(_ c: Command) { lock.lock(); recorded.append(c); lock.unlock() }
    func attach(_ command: Command) async throws -> Int32 { _ = try await capture(command); return 0 }
}

/// The synchronous transports: a command as an engine stream (what `docker system dial-stdio`
/// and `ssh … dial-stdio` are), and a blocking run with a deadline (ssh's master).
@Suite struct BlockingProcessTests {
    @Test func aCommandCarriesAnEngineRequest() throws {
        // Reads the request line, answers like an engine, ends: as dial-stdio does when the engine closes.
        let fake = Command("sh", ["-c", "read -r line; printf 'HTTP/1.0 200 OK\\r\\nApi-Version: 1.41\\r\\n\\r\\n%s' \"$line\""])
        let engine = EngineClient(endpoint: EngineEndpoint(address: .tcp(host: "box", port: 2376, tls: TLSSettings(verify: true, certDirectory: nil)), source: .dockerHost),
                                  link: EngineLink(fakeStream: fake))
        let (status, body) = try engine.get("/_ping", timeout: 5)
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self).hasPrefix("GET /_ping HTTP/1.0"))
        try engine.ping()
    }

    @Test func aCommandThatFailsSaysWhy() {
        let broken = EngineClient(endpoint: EngineEndpoint(address: .unix(path: "/x.sock"), source: .dockerHost),
                                  link: EngineLink(fakeStream: Command("sh", ["-c", "echo 'error during connect: no such host' >&2; exit 1"])))
        do { try broken.ping(); Issue.record("expected exit 4") } catch let e as DevenvError {
            #expect(e.exitCode == .engineUnavailable)
            #expect(e.message.contains("no such host"), "\(e.message)")
        } catch { Issue.record("\(error)") }
    }

    @Test func blockingRunsCaptureAndTimeOut() throws {
        let ok = try ProcessRunner.runBlocking(Command("sh", ["-c", "echo out; echo err >&2; exit 3"]), timeout: 5)
        #expect(ok == CommandResult(status: 3, stdout: "out\n", stderr: "err\n"))
        let began = Date()
        let slow = try ProcessRunner.runBlocking(Command("sleep", ["5"]), timeout: 0.3)
        #expect(slow.status == 124)
        #expect(Date().timeIntervalSince(began) < 4)
        let env = try ProcessRunner.runBlocking(Command("sh", ["-c", "printf %s \"$DOCKER_HOST\""], environment: ["DOCKER_HOST": "unix:///x.sock"]), timeout: 5)
        #expect(env.stdout == "unix:///x.sock")
        // A child that backgrounds itself closing its output (ssh -f) does not hold the run.
        let bg = try ProcessRunner.runBlocking(Command("sh", ["-c", "(sleep 3 >/dev/null 2>&1 &) ; echo started"]), timeout: 2)
        #expect(bg.status == 0 && bg.stdout == "started\n")
    }
}
