import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Each kind's own probe (its `service.yml` `probe:`, with its parameters rendered) against a
/// server reply: recorded from the test bed's stand-ins where the server runs here
/// (Fixtures/probes/README.md), else written from the protocol's documented format.
@Suite struct ProbeReplayTests {
    /// The probe a service of `kind` gets, pointed at `port`.
    static func probe(_ kind: String, port: Int, secrets: [String: String] = [:]) throws -> ProbeSpec {
        let manifest = try TestSupport.parse("services:\n  svc: { kind: \(kind) }\n", file: "/p/devenv.yml")
        let plan = try TestSupport.plan(manifest, identity: StackIdentity(project: "p", root: "/p", branch: nil),
                                        secrets: ["svc": secrets], home: TestSupport.tempDir("probe"))
        var spec = try #require(plan.services.first?.probe)
        spec.port = port
        return spec
    }

    static func outcome(_ kind: String, _ reply: [UInt8], speaksFirst: Bool = false, secrets: [String: String] = [:]) throws -> (Probe.Outcome, String) {
        let server = try ReplayServer(reply, speaksFirst: speaksFirst)
        let result = Probe.check(try probe(kind, port: server.port, secrets: secrets), timeout: 2)
        return (result, String(decoding: server.received, as: UTF8.self))
    }

    static func http(_ status: String, _ body: String = "") -> [UInt8] {
        Array("HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    // MySQL / MariaDB: the server speaks first.

    @Test(arguments: ["mysql", "mariadb"])
    func mysqlHandshakeIsReady(_ kind: String) throws {
        let (o, sent) = try Self.outcome(kind, try ReplayServer.recorded("mariadb-10.11-handshake.bin"), speaksFirst: true)
        #expect(o == .ready)
        #expect(sent.isEmpty, "the probe sends nothing before the handshake")
    }

    /// ERR packet 1040 as MySQL and MariaDB send it when full (written from the protocol:
    /// length, sequence 0, 0xff, code little-endian, '#', SQLSTATE, message).
    @Test func mysqlErrorPacketIsNotReadyWithTheServersWords() throws {
        let message = Array("#08004Too many connections".utf8)
        let payload: [UInt8] = [0xff, 0x10, 0x04] + message
        let packet: [UInt8] = [UInt8(payload.count), 0, 0, 0] + payload
        let (o, _) = try Self.outcome("mysql", packet, speaksFirst: true)
        #expect(o == .notReady("Too many connections"))
    }

    // RabbitMQ: AMQP 0-9-1.

    @Test func amqpConnectionStartIsReady() throws {
        let (o, sent) = try Self.outcome("rabbitmq", try ReplayServer.recorded("rabbitmq-3.10-connection-start.bin"))
        #expect(o == .ready)
        #expect(Array(sent.utf8) == Array("AMQP".utf8) + [0, 0, 9, 1])
    }

    @Test func amqpVersionMismatchIsNotReady() throws {
        let (o, _) = try Self.outcome("rabbitmq", try ReplayServer.recorded("rabbitmq-3.10-protocol-mismatch.bin"))
        #expect(o == .notReady("the server wants another AMQP version"))
    }

    // Memcached.

    @Test func memcachedVersionIsReady() throws {
        let (o, sent) = try Self.outcome("memcached", try ReplayServer.recorded("memcached-1.6.18-version.bin"))
        #expect(o == .ready)
        #expect(sent == "version\r\n")
    }

    @Test func memcachedErrorIsNotReady() throws {
        let (o, _) = try Self.outcome("memcached", try ReplayServer.recorded("memcached-1.6.18-unknown-command.bin"))
        #expect(o == .notReady("ERROR"))
    }

    // Valkey: the redis probe with the stack's password.

    @Test func valkeyAuthAndPingIsReady() throws {
        let (o, sent) = try Self.outcome("valkey", try ReplayServer.recorded("valkey-stand-in-auth-ping.resp"), secrets: ["password": "secretpw"])
        #expect(o == .ready)
        #expect(sent == "*2\r\n$4\r\nAUTH\r\n$8\r\nsecretpw\r\n*1\r\n$4\r\nPING\r\n")
    }

    @Test func valkeyWrongPasswordIsNotReady() throws {
        let (o, _) = try Self.outcome("valkey", try ReplayServer.recorded("valkey-stand-in-wrong-password.resp"), secrets: ["password": "wrong"])
        #expect(o == .notReady("-WRONGPASS invalid username-password pair or user is disabled."))
    }

    // HTTP kinds: each probe asks its kind's own readiness path.

    @Test func clickhousePingIsReadyAndAnErrorStatusIsNot() throws {
        let (ok, sent) = try Self.outcome("clickhouse", try ReplayServer.recorded("clickhouse-18.16-ping.http"))
        #expect(ok == .ready)
        #expect(sent.hasPrefix("GET /ping HTTP/1.0\r\n"))
        let (denied, _) = try Self.outcome("clickhouse", try ReplayServer.recorded("clickhouse-18.16-unauthenticated-query.http"))
        #expect(denied == .notReady("HTTP 401 from /ping"))
    }

    /// (kind, the path its probe must ask, its answer once ready, its answer while starting),
    /// written from each server's documented readiness endpoint.
    static let httpKinds: [(String, String, String, String)] = [
        ("rustfs", "/health/ready", "200 OK", "503 Service Unavailable"),
        ("minio", "/minio/health/live", "200 OK", "503 Service Unavailable"),
        ("qdrant", "/readyz", "200 OK", "503 Service Unavailable"),
        ("mailpit", "/readyz", "200 OK", "503 Service Unavailable"),
        ("meilisearch", "/health", "200 OK", "503 Service Unavailable"),
        ("opensearch", "/_cluster/health?wait_for_status=yellow&timeout=1s", "200 OK", "408 Request Timeout"),
        ("redpanda", "/v1/status/ready", "200 OK", "503 Service Unavailable"),
        ("localstack", "/_localstack/health", "200 OK", "503 Service Unavailable"),
        ("keycloak", "/health/ready", "200 OK", "503 Service Unavailable"),
    ]

    @Test(arguments: httpKinds.map(\.0))
    func httpKindAsksItsReadinessPath(_ kind: String) throws {
        let (_, path, ready, starting) = try #require(Self.httpKinds.first { $0.0 == kind })
        let (o, sent) = try Self.outcome(kind, Self.http(ready, "ok"))
        #expect(o == .ready)
        #expect(sent.hasPrefix("GET \(path) HTTP/1.0\r\n"), "\(kind) asked: \(sent.prefix(80))")
        let (notYet, _) = try Self.outcome(kind, Self.http(starting))
        #expect(notYet == .notReady("HTTP \(starting.prefix(3)) from \(path)"))
    }

    /// The port each probe speaks on is the kind's readiness port, not always the main one.
    @Test func probesUseTheirKindsReadinessPort() throws {
        for (kind, port) in [("mailpit", "http"), ("redpanda", "admin"), ("keycloak", "management")] {
            let k = try #require(try TestSupport.templates().kinds[kind])
            #expect(k.probe.port == port, "\(kind)")
        }
    }
}
