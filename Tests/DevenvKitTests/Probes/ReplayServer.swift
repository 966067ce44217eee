import Foundation
import Testing
import CurrentPlatform

/// A one-connection TCP server on 127.0.0.1 (an OS-chosen port) that answers with recorded
/// bytes: it reads the client's request first (unless the server speaks first, as MySQL's
/// does), sends the reply, and closes. The probes under test connect to it like to a server.
final class ReplayServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let served = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var request: [UInt8] = []

    /// What the probe sent, once it was served.
    var received: [UInt8] {
        _ = served.wait(timeout: .now() + 5)
        served.signal()
        return lock.withLock { request }
    }

    init(_ reply: [UInt8], speaksFirst: Bool = false) throws {
        let fd = socket(AF_INET, Posix.streamSocket, 0)
        try #require(fd >= 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(bound == 0 && listen(fd, 1) == 0)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in serve(reply, speaksFirst: speaksFirst) }
    }

    deinit { close(listener) }

    private func serve(_ reply: [UInt8], speaksFirst: Bool) {
        defer { served.signal() }
        let c = accept(listener, nil, nil)
        guard c >= 0 else { return }
        defer { close(c) }
        if !speaksFirst {
            var p = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 2000) > 0 {
                var buf = [UInt8](repeating: 0, count: 65536)
                let n = recv(c, &buf, buf.count, 0)
                if n > 0 { lock.withLock { request = Array(buf[0..<n]) } }
            }
        }
        _ = reply.withUnsafeBytes { Posix.send(c, $0.baseAddress, $0.count) }
        shutdown(c, Int32(SHUT_WR))
    }

    /// A recorded reply from Tests/DevenvKitTests/Fixtures/probes.
    static func recorded(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixtures + "/probes/" + name)))
    }
}
