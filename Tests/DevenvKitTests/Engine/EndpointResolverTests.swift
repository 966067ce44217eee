import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Endpoint resolution by the docker CLI's rules, against a config folder written by the
/// real docker CLI (`docker context create …`, `docker context use colima`): Fixtures/docker-config.
@Suite struct EndpointResolverTests {
    static let config = TestSupport.fixtures + "/docker-config"
    static let base = ["HOME": "/home/alice", "DOCKER_CONFIG": config]

    func resolve(_ env: [String: String] = [:], context: String? = nil, answering: Set<String> = [EndpointResolver.defaultSocket],
                 useConfig: Bool = true) throws -> EngineEndpoint {
        var environment = Self.base.merging(env) { $1 }
        if !useConfig { environment["DOCKER_CONFIG"] = "/nonexistent" }
        var r = EndpointResolver(contextOption: context, environment: environment)
        r.answers = { answering.contains($0) }
        r.listDirectory = { _ in [] }
        return try r.resolve()
    }

    @Test func storeKeyIsTheSHA256OfTheName() {
        #expect(DockerContexts.storeKey("foo") == "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")
        #expect(FileManager.default.fileExists(atPath: DockerContexts(directory: Self.config).metaFile("colima")))
    }

    @Test func currentContextOfConfigJSON() throws {
        let e = try resolve()
        #expect(e.address == .unix(path: "/Users/alice/.colima/default/docker.sock"))
        #expect(e.source == .currentContext("colima", config: Self.config + "/config.json"))
        #expect(e.source.description.contains("docker context colima"))
    }

    @Test func dockerContextBeatsTheCurrentContext() throws {
        let e = try resolve(["DOCKER_CONTEXT": "build-box"])
        #expect(e.address == .ssh(SSHTarget(user: "alice", host: "build-box.internal", port: 2222)))
        #expect(e.source == .contextVariable("build-box"))
        #expect(e.isRemote)
    }

    @Test func dockerHostBeatsDockerContextAsInDocker() throws {
        let e = try resolve(["DOCKER_CONTEXT": "build-box", "DOCKER_HOST": "unix:///run/user/1000/docker.sock"])
        #expect(e.address == .unix(path: "/run/user/1000/docker.sock"))
        #expect(e.source == .dockerHost)
    }

    @Test func contextOptionBeatsEverything() throws {
        let e = try resolve(["DOCKER_CONTEXT": "build-box", "DOCKER_HOST": "unix:///x.sock"], context: "insecure")
        #expect(e.address == .tcp(host: "10.0.0.8", port: 2376, tls: TLSSettings(verify: false, certDirectory: nil)))
        #expect(e.source == .contextOption("insecure"))
    }

    @Test func contextTLSMaterialIsPassedToDocker() throws {
        let e = try resolve(context: "tlsbox")
        let dir = DockerContexts(directory: Self.config).tlsDirectory("tlsbox")
        #expect(e.address == .tcp(host: "10.0.0.7", port: 2376, tls: TLSSettings(verify: true, certDirectory: dir)))
        let env = e.dockerEnvironment()
        #expect(env["DOCKER_HOST"] == "tcp://10.0.0.7:2376")
        #expect(env["DOCKER_TLS_VERIFY"] == "1")
        #expect(env["DOCKER_CERT_PATH"] == dir)
        #expect(env["DOCKER_CONTEXT"] == "")
        let insecure = try resolve(context: "insecure").dockerEnvironment()
        #expect(insecure["DOCKER_TLS"] == "1" && insecure["DOCKER_TLS_VERIFY"] == "")
    }

    @Test func dockerHostWithTLSVariables() throws {
        let e = try resolve(["DOCKER_HOST": "tcp://build.example:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/certs"])
        #expect(e.address == .tcp(host: "build.example", port: 2376, tls: TLSSettings(verify: true, certDirectory: "/certs")))
        let noPort = try resolve(["DOCKER_HOST": "tcp://build.example", "DOCKER_TLS_VERIFY": "1"])
        #expect(noPort.address == .tcp(host: "build.example", port: 2376, tls: TLSSettings(verify: true, certDirectory: Self.config)))
        #expect(try resolve(["DOCKER_HOST": "tcp://build.example"]).address == .tcp(host: "build.example", port: 2375, tls: nil))
        #expect(try resolve(["DOCKER_HOST": "tcp://build.example:2375"]).dockerEnvironment()["DOCKER_TLS_VERIFY"] == "")
    }

    @Test func theDefaultContextIsDockerHostOrTheDefaultSocket() throws {
        #expect(try resolve(context: "default").source == .defaultSocket)
        #expect(try resolve(["DOCKER_HOST": "unix:///d.sock"], context: "default").address == .unix(path: "/d.sock"))
    }

    @Test func aMissingContextNamesItAndSuggests() {
        do { _ = try resolve(context: "colma"); Issue.record("expected an error") } catch let e as DevenvError {
            #expect(e.exitCode == .usage)
            #expect(e.message.contains("no docker context 'colma' (--context colma); did you mean 'colima'?"))
            #expect(e.hint?.contains("build-box") == true)
        } catch { Issue.record("\(error)") }
        do { _ = try resolve(["DOCKER_CONTEXT": "gone"]); Issue.record("expected an error") } catch let e as DevenvError {
            #expect(e.exitCode == .engineUnavailable)
            #expect(e.message.contains("DOCKER_CONTEXT=gone"))
        } catch { Issue.record("\(error)") }
    }

    @Test func aDockerHostDevenvCannotReadIsExit4() {
        do { _ = try resolve(["DOCKER_HOST": "npipe:////./pipe/docker_engine"]); Issue.record("expected an error") } catch let e as DevenvError {
            #expect(e.exitCode == .engineUnavailable)
            #expect(e.message.contains("DOCKER_HOST=npipe"))
        } catch { Issue.record("\(error)") }
    }

    /// macOS's Podman machine: podman 5 forwards its API socket into $TMPDIR/podman.
    @Test func thePodmanMachineSocketIsWellKnown() throws {
        var r = EndpointResolver(contextOption: nil, environment: ["HOME": "/Users/alice", "DOCKER_CONFIG": "/nonexistent",
                                                                    "TMPDIR": "/var/folders/x1/T/"])
        r.listDirectory = { _ in [] }
        #expect(r.candidates().map(\.1).contains("/var/folders/x1/T/podman/podman-machine-default-api.sock"))
        r.answers = { $0 == "/var/folders/x1/T/podman/podman-machine-default-api.sock" }
        let podman = try r.resolve()
        #expect(podman.source == .wellKnown("Podman machine"))
    }

    @Test func nothingConfiguredTriesTheWellKnownSocketsInOrder() throws {
        var r = EndpointResolver(contextOption: nil, environment: ["HOME": "/home/alice", "DOCKER_CONFIG": "/nonexistent", "XDG_RUNTIME_DIR": "/run/user/1000"])
        r.listDirectory = { $0 == "/home/alice/.colima" ? ["work", "default", "_lima"] : [] }
        #expect(r.candidates().map(\.1) == [
            "/var/run/docker.sock", "/home/alice/.docker/run/docker.sock",
            "/home/alice/.colima/default/docker.sock", "/home/alice/.colima/work/docker.sock",
            "/home/alice/.orbstack/run/docker.sock", "/home/alice/.rd/docker.sock",
            "/run/user/1000/podman/podman.sock", "/run/podman/podman.sock",
            "/home/alice/.local/share/containers/podman/machine/podman-machine-default/podman.sock",
            "/home/alice/.local/share/containers/podman/machine/qemu/podman.sock",
            "/home/alice/.local/share/containers/podman/machine/podman.sock",
        ])
        r.answers = { $0 == "/home/alice/.colima/work/docker.sock" }
        let colima = try r.resolve()
        #expect(colima.address == .unix(path: "/home/alice/.colima/work/docker.sock"))
        #expect(colima.source == .wellKnown("Colima"))
        #expect(colima.tried == ["/var/run/docker.sock (default)", "~/.docker/run/docker.sock (Docker Desktop)", "~/.colima/default/docker.sock (Colima)"])

        r.answers = { _ in false }
        let none = try r.resolve()
        #expect(none.address == .unix(path: "/var/run/docker.sock") && none.source == .defaultSocket)
        let message = EngineMessages.unavailable(none, detail: "No such file or directory")
        #expect(message.exitCode == .engineUnavailable)
        for tried in ["~/.docker/run/docker.sock (Docker Desktop)", "~/.orbstack/run/docker.sock (OrbStack)", "~/.rd/docker.sock (Rancher Desktop)", "/run/podman/podman.sock (Podman)"] {
            #expect(message.message.contains(tried))
        }
        r.answers = { $0 == EndpointResolver.defaultSocket }
        #expect(try r.resolve().source == .defaultSocket)
    }

    @Test func sshURLs() {
        #expect(SSHTarget.parse("ssh://build-box") == SSHTarget(host: "build-box"))
        #expect(SSHTarget.parse("ssh://me@10.0.0.2:2222") == SSHTarget(user: "me", host: "10.0.0.2", port: 2222))
        #expect(SSHTarget.parse("ssh://me@box/run/user/1000/docker.sock")?.socketPath == "/run/user/1000/docker.sock")
        #expect(SSHTarget.parse("ssh://me@box/")?.socketPath == nil)
        #expect(SSHTarget.parse("ssh://[fd00::2]:22") == SSHTarget(host: "fd00::2", port: 22))
        #expect(SSHTarget.parse("ssh://me:secret@box") == nil)
        #expect(SSHTarget.parse("ssh://box:99999") == nil)
        #expect(SSHTarget.parse("ssh://-oProxyCommand=x") == nil)
        #expect(SSHTarget(user: "me", host: "box", port: 2222, socketPath: "/s.sock").url == "ssh://me@box:2222/s.sock")
    }

    @Test func dockerHostForms() {
        #expect(EngineEndpoint.Address.parse("unix://", tls: nil) == .unix(path: "/var/run/docker.sock"))
        #expect(EngineEndpoint.Address.parse("/var/run/other.sock", tls: nil) == .unix(path: "/var/run/other.sock"))
        #expect(EngineEndpoint.Address.parse("tcp://:2375", tls: nil) == .tcp(host: "127.0.0.1", port: 2375, tls: nil))
        #expect(EngineEndpoint.Address.parse("tcp://[::1]:2380", tls: nil) == .tcp(host: "::1", port: 2380, tls: nil))
        #expect(EngineEndpoint.Address.parse("tcp://host:x", tls: nil) == nil)
        #expect(EngineEndpoint(address: .tcp(host: "::1", port: 2380, tls: nil), source: .dockerHost).host == "tcp://[::1]:2380")
        #expect(!EngineEndpoint(address: .tcp(host: "127.0.0.1", port: 2375, tls: nil), source: .dockerHost).isRemote)
    }
}
