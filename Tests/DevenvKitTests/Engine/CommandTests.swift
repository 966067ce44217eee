import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct ComposeArgvTests {
    let p = ComposeProject(name: "myflow", file: "/r/.devenv/stacks/myflow/compose.yaml")
    let base = ["docker", "compose", "--project-name", "myflow", "--file", "/r/.devenv/stacks/myflow/compose.yaml"]

    @Test func lifecycle() {
        #expect(Compose.up(p).argv == base + ["up", "--detach", "--quiet-pull", "--remove-orphans"])
        #expect(Compose.up(p, services: ["redis"]).argv == base + ["up", "--detach", "--quiet-pull", "redis"])
        #expect(Compose.up(p, profiles: ["debug"]).argv == base + ["--profile", "debug", "up", "--detach", "--quiet-pull", "--remove-orphans"])
        #expect(Compose.down(p, volumes: false).argv == base + ["--profile", "*", "down", "--remove-orphans"], "every profile's containers go down")
        #expect(Compose.down(p, volumes: true).argv == base + ["--profile", "*", "down", "--remove-orphans", "--volumes"])
        #expect(Compose.logs(p, services: ["postgres"], follow: true, tail: 20).argv == base + ["logs", "--follow", "--tail", "20", "postgres"])
        #expect(Compose.passthrough(p, ["exec", "postgres", "psql"]).argv == base + ["exec", "postgres", "psql"])
    }

    @Test func execStreamsAFileToStdin() {
        let c = Compose.exec(p, service: "postgres", ["psql", "-v", "ON_ERROR_STOP=1"], stdinFile: "/r/db/seed.sql")
        #expect(c.argv == base + ["exec", "-T", "postgres", "psql", "-v", "ON_ERROR_STOP=1"])
        #expect(c.stdinFile == "/r/db/seed.sql")
        #expect(c.description.hasSuffix("< /r/db/seed.sql"))
    }

    @Test func failuresSayWhatToDo() {
        let v1 = Compose.explain(CommandFailure(command: Compose.up(p), status: 1, stderr: "docker: 'compose' is not a docker command."))
        #expect(v1.message.contains("compose v2"))
        let engine = Compose.explain(CommandFailure(command: Compose.up(p), status: 1, stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."))
        #expect(engine.exitCode == .engineUnavailable)
        let port = Compose.explain(CommandFailure(command: Compose.up(p), status: 1, stderr: "Bind for 127.0.0.1:17000 failed: port is already allocated"))
        #expect(port.exitCode == .portConflict)
    }

    @Test func gitTrackingAsksGitLsFiles() {
        #expect(GitTracking.lsFiles("api/.env", root: "/r").argv == ["git", "-C", "/r", "ls-files", "--error-unmatch", "api/.env"])
    }

    @Test func engineAddressFromDockerHost() {
        let none = ["DOCKER_CONFIG": "/nonexistent", "HOME": "/nonexistent"]
        #expect(EngineClient.from(environment: none).endpoint.address == .unix(path: "/var/run/docker.sock"))
        #expect(EngineClient.from(environment: none.merging(["DOCKER_HOST": "tcp://10.0.0.5:2376"]) { $1 }).endpoint.address == .tcp(host: "10.0.0.5", port: 2376, tls: nil))
        #expect(EngineClient.from(environment: none.merging(["DOCKER_HOST": "unix:///run/user/1000/docker.sock"]) { $1 }).endpoint.address == .unix(path: "/run/user/1000/docker.sock"))
    }
}

@Suite struct ProbeWireTests {
    @Test func mongoHelloIsAnOpMsgWithABsonDocument() {
        let msg = MongoWire.helloMessage(requestID: 7)
        #expect(msg.count == Int(msg[0]) | Int(msg[1]) << 8)
        #expect(Array(msg[12..<16]) == [0xDD, 0x07, 0, 0])   // 2013
        #expect(String(decoding: msg, as: UTF8.self).contains("hello"))
    }

    @Test func mongoReplyOk() {
        var ok = MongoWire.bson([("ismaster", .int32(1))])
        ok.removeLast()
        var bits = (1.0).bitPattern
        var dbl: [UInt8] = [0x01] + Array("ok".utf8) + [0]
        for _ in 0..<8 { dbl.append(UInt8(bits & 0xff)); bits >>= 8 }
        ok += dbl + [0]
        let n = ok.count
        ok[0] = UInt8(n & 0xff); ok[1] = UInt8(n >> 8 & 0xff); ok[2] = 0; ok[3] = 0
        #expect(MongoWire.replyIsOK([0, 0, 0, 0, 0] + ok))
        #expect(!MongoWire.replyIsOK([0, 0, 0, 0, 0] + MongoWire.bson([("ok", .int32(0))])))
    }

    @Test func postgresErrorFields() {
        let payload = Array("SFATAL\0C57P03\0Mthe database system is starting up\0\0".utf8)
        let f = Probe.parsePostgresError(payload)
        #expect(f["C"] == "57P03")
        #expect(f["M"] == "the database system is starting up")
    }

    @Test func closedPortIsNotReady() {
        #expect(Probe.check(ProbeSpec(.redis, port: 1), timeout: 0.2) != .ready)
    }
}
