import Crypto
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The Postgres probe's login: with the stack's password it logs in for real (SCRAM-SHA-256,
/// or a clear-text password request), so "ready" means the app's URL works, and two kinds of
/// broken data are told apart at once instead of after the timeout:
/// - SQLSTATE 3D000 (the database does not exist) on a server that accepts TCP: the data folder
///   was initialised only part-way (the official image's first start creates the database
///   before it listens on TCP), e.g. an earlier start was cut short;
/// - SQLSTATE 28P01 (password authentication failed): the data was initialised with another
///   password than the stack's credentials hold.
/// Without a password, or for MD5 authentication, an authentication request is enough (as
/// before): the server accepts connections.
enum PostgresLogin {
    /// Reads the server's replies after the StartupMessage until ready, an error, or a
    /// request devenv does not answer.
    static func run(_ conn: SocketConnection, user: String, database: String, password: String?) throws -> Probe.Outcome {
        var scram: Scram?
        while true {
            let (type, body) = try message(conn)
            switch type {
            case UInt8(ascii: "R"):
                let code = int32(body, 0)
                switch code {
                case 0: continue                                              // AuthenticationOk
                case 3:                                                       // clear-text password
                    guard let password else { return .ready }
                    try send(conn, "p", Array(password.utf8) + [0])
                case 10:                                                      // SASL: mechanisms
                    guard let password, String(decoding: body.dropFirst(4), as: UTF8.self).contains("SCRAM-SHA-256") else { return .ready }
                    let s = Scram(password: password)
                    scram = s
                    let first = Array(s.clientFirst.utf8)
                    try send(conn, "p", Array("SCRAM-SHA-256".utf8) + [0] + be32(first.count) + first)
                case 11:                                                      // SASL continue
                    guard let s = scram, let final = s.clientFinal(serverFirst: String(decoding: body.dropFirst(4), as: UTF8.self)) else {
                        return .notReady("unexpected SCRAM reply from Postgres")
                    }
                    try send(conn, "p", Array(final.utf8))
                case 12: continue                                             // SASL final
                default: return .ready                                        // MD5 and others: it accepts connections
                }
            case UInt8(ascii: "E"):
                let fields = Probe.parsePostgresError(body)
                switch fields["C"] {
                case "57P03": return .notReady("the database system is starting up")
                case "3D000":
                    return .failed("answers, but its database '\(database)' does not exist: its data folder was initialised only part-way "
                                   + "(an earlier start was cut short)")
                case "28P01":
                    return .failed("rejects the stack's password for user '\(user)': its data was initialised with another password "
                                   + "than devenv's credentials file holds")
                default: return .notReady(fields["M"] ?? "error response")
                }
            case UInt8(ascii: "Z"):                                           // ReadyForQuery: logged in
                try? send(conn, "X", [])
                return .ready
            default: continue                                                 // ParameterStatus, BackendKeyData, notices
            }
        }
    }

    static func message(_ conn: SocketConnection) throws -> (UInt8, [UInt8]) {
        let head = try conn.receive(exactly: 5)
        let n = Int(head[1]) << 24 | Int(head[2]) << 16 | Int(head[3]) << 8 | Int(head[4])
        return (head[0], n > 4 ? try conn.receive(exactly: min(n - 4, 1 << 16)) : [])
    }

    static func send(_ conn: SocketConnection, _ type: Character, _ body: [UInt8]) throws {
        try conn.send([type.asciiValue!] + be32(body.count + 4) + body)
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func int32(_ b: [UInt8], _ at: Int) -> Int {
        guard b.count >= at + 4 else { return -1 }
        return Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }
}

/// The client side of SCRAM-SHA-256 (RFC 5802 / 7677) as Postgres speaks it (no channel binding).
struct Scram {
    let password: String
    let nonce: String
    /// Postgres ignores the SCRAM user name (it takes the StartupMessage's): empty.
    let user: String
    var clientFirstBare: String { "n=\(user),r=\(nonce)" }
    var clientFirst: String { "n,," + clientFirstBare }

    init(password: String, nonce: String? = nil, user: String = "") {
        self.password = password
        self.user = user
        self.nonce = nonce ?? Data((0..<18).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// The client-final message for the server-first message, or nil when it is not valid.
    func clientFinal(serverFirst: String) -> String? {
        var attrs: [Character: String] = [:]
        for part in serverFirst.split(separator: ",") where part.count > 2 { attrs[part.first!] = String(part.dropFirst(2)) }
        guard let r = attrs["r"], r.hasPrefix(nonce), let salt = attrs["s"].flatMap({ Data(base64Encoded: $0) }),
              let iterations = attrs["i"].flatMap(Int.init), iterations > 0 else { return nil }
        let salted = Self.saltedPassword(Array(password.utf8), salt: [UInt8](salt), iterations: iterations)
        let clientKey = hmac(key: salted, Array("Client Key".utf8))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let withoutProof = "c=biws,r=\(r)"
        let authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof
        let signature = hmac(key: storedKey, Array(authMessage.utf8))
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        return withoutProof + ",p=" + Data(proof).base64EncodedString()
    }

    /// PBKDF2-HMAC-SHA-256 with one block; remembered per (password, salt, iterations), in memory
    /// and in `ScramKeyFile`, since probes log in again and again with the same ones.
    static func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = "\(Checksum.hex(SHA256.hash(data: password)))/\(Data(salt).base64EncodedString())/\(iterations)"
        if let hit = cache.with({ $0[key] }) { return hit }
        if let kept = ScramKeyFile.read(key) { cache.with { $0[key] = kept }; return kept }
        // HMAC(P, m) = H(P ^ opad ‖ H(P ^ ipad ‖ m)): both padded keys are hashed once and each
        // round copies the two states (HMAC(key:) per round re-hashed them and went through the
        // generic DataProtocol and Sequence paths: 10 ms of a warm `up`). P is at most one block
        // long here: a longer password is hashed first, as HMAC does.
        var block = password.count > 64 ? Array(SHA256.hash(data: password)) : password
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5c })
        func round(_ message: [UInt8]) -> [UInt8] {
            var i = inner, o = outer
            message.withUnsafeBytes { i.update(bufferPointer: $0) }
            i.finalize().withUnsafeBytes { o.update(bufferPointer: $0) }
            return o.finalize().withUnsafeBytes { Array($0) }
        }
        var u = round(salt + [0, 0, 0, 1])
        var out = u
        for _ in 1..<iterations {
            u = round(u)
            for i in 0..<out.count { out[i] ^= u[i] }
        }
        cache.with { $0[key] = out }
        ScramKeyFile.write(key, out)
        return out
    }

    static let cache = Locked<[String: [UInt8]]>([:])
}

/// HMAC-SHA-256 (swift-crypto).
func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
    Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
}
