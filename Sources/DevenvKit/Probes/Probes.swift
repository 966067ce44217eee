import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Host-side readiness checks: each speaks its service's own protocol on the published
/// 127.0.0.1 port. docker-proxy accepts TCP connections before the service listens, so a
/// bare connect proves nothing for the known kinds.
public enum Probe {
    public enum Outcome: Equatable, Sendable {
        case ready
        /// Not yet; the text says what was seen (for the last line of a timeout message).
        case notReady(String)
        /// It answers, and says it never will be ready as it is (waiting longer cannot help).
        case failed(String)
    }

    public static func check(_ spec: ProbeSpec, host: String = "127.0.0.1", timeout: TimeInterval = 1) -> Outcome {
        if spec.type == .none { return .ready }
        do {
            let conn = try SocketConnection.connect(.tcp(host: host, port: spec.port), timeout: timeout)
            defer { conn.close() }
            let p = spec.parameters
            switch spec.type {
            case .postgres: return try postgres(conn, user: p["user"] ?? "postgres", database: p["database"] ?? "postgres", password: p["password"].flatMap { $0.isEmpty ? nil : $0 })
            case .mysql: return try mysql(conn)
            case .redis: return try redis(conn, password: p["password"])
            case .mongodb: return try mongodb(conn)
            case .memcached: return try memcached(conn)
            case .amqp: return try amqp(conn)
            case .http: return try http(conn, host: "\(host):\(spec.port)", path: p["path"].flatMap { $0.isEmpty ? nil : $0 } ?? "/")
            case .tcp, .none: return .ready
            }
        } catch {
            return .notReady("\(error)")
        }
    }

    /// Sends a StartupMessage, then logs in (`PostgresLogin`): with the password, ready means
    /// logged in to the database; without, an authentication request means the server accepts
    /// connections. SQLSTATE 57P03 means it is still starting.
    static func postgres(_ conn: SocketConnection, user: String, database: String, password: String? = nil) throws -> Outcome {
        var body: [UInt8] = [0, 3, 0, 0]
        for (k, v) in [("user", user), ("database", database)] { body += Array(k.utf8) + [0] + Array(v.utf8) + [0] }
        body.append(0)
        let len = UInt32(body.count + 4)
        try conn.send([UInt8(len >> 24), UInt8(len >> 16 & 0xff), UInt8(len >> 8 & 0xff), UInt8(len & 0xff)] + body)
        return try PostgresLogin.run(conn, user: user, database: database, password: password)
    }

    static func parsePostgresError(_ payload: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var i = 0
        while i < payload.count, payload[i] != 0 {
            let code = String(UnicodeScalar(payload[i]))
            var j = i + 1
            while j < payload.count, payload[j] != 0 { j += 1 }
            out[code] = String(decoding: payload[(i + 1)..<j], as: UTF8.self)
            i = j + 1
        }
        return out
    }

    static func redis(_ conn: SocketConnection, password: String?) throws -> Outcome {
        var req = ""
        if let password, !password.isEmpty { req += resp(["AUTH", password]) }
        req += resp(["PING"])
        try conn.send(req)
        var reply = ""
        let expected = password?.isEmpty == false ? 2 : 1
        while reply.components(separatedBy: "\r\n").count - 1 < expected {
            let chunk = try conn.receive()
            if chunk.isEmpty { break }
            reply += String(decoding: chunk, as: UTF8.self)
        }
        if reply.contains("+PONG") { return .ready }
        let line = reply.split(separator: "\r\n").first { $0.hasPrefix("-") }.map(String.init) ?? reply
        return .notReady(line.isEmpty ? "no reply" : line)
    }

    static func resp(_ parts: [String]) -> String {
        "*\(parts.count)\r\n" + parts.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// `hello` over OP_MSG (opcode 2013) against the admin database.
    static func mongodb(_ conn: SocketConnection) throws -> Outcome {
        try conn.send(MongoWire.helloMessage(requestID: 1))
        let header = try conn.receive(exactly: 16)
        let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        let opcode = Int(header[12]) | Int(header[13]) << 8 | Int(header[14]) << 16 | Int(header[15]) << 24
        guard opcode == 2013, length > 16 else { return .notReady("unexpected MongoDB reply") }
        let body = try conn.receive(exactly: min(length - 16, 1 << 20))
        return MongoWire.replyIsOK(body) ? .ready : .notReady("hello did not return ok: 1")
    }

    static func http(_ conn: SocketConnection, host: String, path: String) throws -> Outcome {
        try conn.send("GET \(path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: devenv\r\n\r\n")
        var data: [UInt8] = []
        while !data.contains(10) {
            let chunk = try conn.receive()
            if chunk.isEmpty { break }
            data += chunk
        }
        let line = String(decoding: data.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { return .notReady(line.isEmpty ? "no HTTP reply" : line) }
        return (200..<400).contains(code) ? .ready : .notReady("HTTP \(code) from \(path)")
    }
}

/// Just enough of the MongoDB wire protocol and BSON for a `hello`.
enum MongoWire {
    static func helloMessage(requestID: Int32) -> [UInt8] {
        let doc = bson([("hello", .int32(1)), ("$db", .string("admin"))])
        var body: [UInt8] = le32(0) + [0] + doc          // flagBits, section kind 0, document
        let total = 16 + body.count
        body = le32(Int32(total)) + le32(requestID) + le32(0) + le32(2013) + body
        return body
    }

    enum Value { case int32(Int32), string(String) }

    static func bson(_ fields: [(String, Value)]) -> [UInt8] {
        var out: [UInt8] = []
        for (k, v) in fields {
            switch v {
            case .int32(let n): out += [0x10] + Array(k.utf8) + [0] + le32(n)
            case .string(let s): out += [0x02] + Array(k.utf8) + [0] + le32(Int32(s.utf8.count + 1)) + Array(s.utf8) + [0]
            }
        }
        return le32(Int32(out.count + 5)) + out + [0]
    }

    static func le32(_ n: Int32) -> [UInt8] {
        let u = UInt32(bitPattern: n)
        return [UInt8(u & 0xff), UInt8(u >> 8 & 0xff), UInt8(u >> 16 & 0xff), UInt8(u >> 24)]
    }

    /// Finds `ok` (double 1.0 or int 1) in the first section's document.
    static func replyIsOK(_ body: [UInt8]) -> Bool {
        guard body.count > 9, body[4] == 0 else { return false }
        let doc = Array(body[5...])
        var i = 4
        while i < doc.count, doc[i] != 0 {
            let type = doc[i]
            var j = i + 1
            while j < doc.count, doc[j] != 0 { j += 1 }
            let name = String(decoding: doc[(i + 1)..<j], as: UTF8.self)
            let v = j + 1
            let size: Int
            switch type {
            case 0x01: size = 8
            case 0x10: size = 4
            case 0x12, 0x09, 0x11: size = 8
            case 0x08: size = 1
            case 0x0A: size = 0
            case 0x07: size = 12
            case 0x02, 0x0D, 0x0E:
                guard v + 4 <= doc.count else { return false }
                size = 4 + (Int(doc[v]) | Int(doc[v + 1]) << 8 | Int(doc[v + 2]) << 16 | Int(doc[v + 3]) << 24)
            case 0x03, 0x04, 0x05:
                guard v + 4 <= doc.count else { return false }
                let n = Int(doc[v]) | Int(doc[v + 1]) << 8 | Int(doc[v + 2]) << 16 | Int(doc[v + 3]) << 24
                size = type == 0x05 ? 5 + n : n
            default: return false
            }
            guard v + size <= doc.count else { return false }
            if name == "ok" {
                if type == 0x01 {
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(doc[v + k]) << (8 * UInt64(k)) }
                    return Double(bitPattern: bits) == 1.0
                }
                if type == 0x10 { return doc[v] == 1 }
                return false
            }
            i = v + size
        }
        return false
    }
}
