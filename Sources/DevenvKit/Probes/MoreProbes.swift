import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

extension Probe {
    /// The server speaks first: a handshake packet (protocol version 10) means MySQL or MariaDB
    /// accepts connections; an error packet (0xff) carries the reason it does not.
    static func mysql(_ conn: SocketConnection) throws -> Outcome {
        let header = try conn.receive(exactly: 4)
        let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16
        guard length > 0 else { return .notReady("empty MySQL packet") }
        let payload = try conn.receive(exactly: min(length, 1024))
        switch payload[0] {
        case 0x0a: return .ready
        case 0xff:
            let message = payload.count > 3 ? String(decoding: payload.dropFirst(3).drop { $0 == UInt8(ascii: "#") }.dropFirst(5), as: UTF8.self) : ""
            return .notReady(message.isEmpty ? "MySQL error packet" : message)
        default: return .notReady("unexpected MySQL handshake (protocol \(payload[0]))")
        }
    }

    /// `version` → `VERSION 1.6.18`.
    static func memcached(_ conn: SocketConnection) throws -> Outcome {
        try conn.send("version\r\n")
        let line = try readLine(conn)
        return line.hasPrefix("VERSION ") ? .ready : .notReady(line.isEmpty ? "no reply to version" : line)
    }

    /// The AMQP 0-9-1 protocol header; a server that accepts it answers with a method frame
    /// (type 1) on channel 0 carrying Connection.Start (class 10, method 10).
    static func amqp(_ conn: SocketConnection) throws -> Outcome {
        try conn.send(Array("AMQP".utf8) + [0, 0, 9, 1])
        // A server that speaks another version answers with its own 8-byte header and closes.
        var head = try conn.receive(exactly: 8)
        if head.starts(with: Array("AMQP".utf8)) { return .notReady("the server wants another AMQP version") }
        head += try conn.receive(exactly: 3)
        guard head[0] == 1, head[1] == 0, head[2] == 0 else { return .notReady("unexpected AMQP frame type \(head[0])") }
        let classID = Int(head[7]) << 8 | Int(head[8]), methodID = Int(head[9]) << 8 | Int(head[10])
        return classID == 10 && methodID == 10 ? .ready : .notReady("AMQP method \(classID).\(methodID) instead of Connection.Start")
    }

    static func readLine(_ conn: SocketConnection) throws -> String {
        var data: [UInt8] = []
        while !data.contains(10), data.count < 4096 {
            let chunk = try conn.receive()
            if chunk.isEmpty { break }
            data += chunk
        }
        return String(decoding: data.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
    }
}
