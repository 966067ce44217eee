import Foundation
import DevenvPlatform
import DevenvCore

/// A blocking stream socket with deadlines, for probes and the Engine API. Every call
/// takes a deadline; nothing waits forever.
public final class SocketConnection {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close() }

    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Takes over a connected stream socket (one end of a socket pair) with the same deadlines.
    public static func adopt(fd: Int32, timeout: TimeInterval) -> SocketConnection {
        let conn = SocketConnection(fd: fd)
        conn.setTimeouts(timeout)
        return conn
    }

    public static func connect(_ endpoint: Endpoint, timeout: TimeInterval) throws -> SocketConnection {
        switch endpoint {
        case .tcp(let host, let port): return try connectTCP(host: host, port: port, timeout: timeout)
        case .unix(let path): return try connectUnix(path: path, timeout: timeout)
        }
    }

    package static func connectTCP(host: String, port: Int, timeout: TimeInterval) throws -> SocketConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Posix.streamSocket
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let info = res else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(res) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        let conn = SocketConnection(fd: fd)
        conn.setTimeouts(timeout)
        try conn.finishConnect(Posix.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen), what: "\(host):\(port)")
        return conn
    }

    package static func connectUnix(path: String, timeout: TimeInterval) throws -> SocketConnection {
        let fd = socket(AF_UNIX, Posix.streamSocket, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        let conn = SocketConnection(fd: fd)
        conn.setTimeouts(timeout)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw Failure(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Posix.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try conn.finishConnect(rc, what: path)
        return conn
    }

    private func finishConnect(_ rc: Int32, what: String) throws {
        if rc != 0 { throw Failure(description: "cannot connect to \(what): \(String(cString: strerror(errno)))") }
    }

    /// Send and receive timeouts (on Linux the send timeout also bounds `connect`).
    private func setTimeouts(_ timeout: TimeInterval) {
        var tv = timeval()
        tv.tv_sec = Int(timeout)
        tv.tv_usec = .init((timeout - Double(Int(timeout))) * 1_000_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Posix.send(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads what is available, up to `max` bytes; an empty array means the peer closed.
    public func receive(max: Int = 65536) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, max, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : "recv: \(String(cString: strerror(errno)))")
            }
            return Array(buf[0..<n])
        }
    }

    /// Reads exactly `count` bytes (or throws when the peer closes first).
    public func receive(exactly count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let chunk = try receive(max: count - out.count)
            if chunk.isEmpty { throw Failure(description: "connection closed") }
            out += chunk
        }
        return out
    }

    /// Reads until the peer closes.
    public func receiveAll() throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    public func close() {
        if fd >= 0 { _ = Posix.close(fd); fd = -1 }
    }
}
