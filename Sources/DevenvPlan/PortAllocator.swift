import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec

/// devenv's host port range. The default, 17000–19999, lies below the Linux (32768–60999)
/// and macOS (49152–65535) ephemeral ranges, so the OS never hands our ports to a client
/// socket. Override with `DEVENV_PORT_RANGE=LOW-HIGH`.
public struct PortRange: Sendable, Equatable {
    public var lower: Int
    public var upper: Int
    public var blockSize: Int

    public static let `default` = PortRange(lower: 17000, upper: 19999, blockSize: 10)

    public init(lower: Int, upper: Int, blockSize: Int) {
        self.lower = lower; self.upper = upper; self.blockSize = blockSize
    }

    public static func from(environment: [String: String]) throws -> PortRange {
        guard let text = environment["DEVENV_PORT_RANGE"], !text.isEmpty else { return .default }
        let parts = text.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts[0] >= 1024, parts[1] <= 65535, parts[1] - parts[0] >= 9 else {
            throw DevenvError.usage("DEVENV_PORT_RANGE='\(text)' is not a range like 17000-19999 (at least 10 ports, above 1023)")
        }
        return PortRange(lower: parts[0], upper: parts[1], blockSize: 10)
    }
}

/// What a stack needs: one host port per key (`postgres`, `minio.console`, `app.api`).
public struct PortRequest: Sendable, Equatable {
    public var key: String
    /// A port the manifest pins; used as is, never moved.
    public var pinned: Int?
    /// A UDP port: free when a UDP socket can bind it (one number space with the TCP ports all the same).
    public var udp = false
    public init(key: String, pinned: Int? = nil, udp: Bool = false) { self.key = key; self.pinned = pinned; self.udp = udp }
}

public enum PortAllocator {
    /// Gives every request a host port, keeping the ones the stack already has, and records
    /// them in `registry`. `isFree` says whether a port can be bound right now.
    public static func allocate(identity: StackIdentity, composeFile: String, requests: [PortRequest],
                                range: PortRange, registry: inout Registry, now: Date, touch: Bool = true,
                                isFree: (Int) -> Bool, isFreeUDP: (Int) -> Bool = PortProbe.isFreeUDP) throws -> [String: Int] {
        let others = registry.portsHeld(except: identity.stack)
        let otherBlocks = Set(registry.stacks.filter { $0.key != identity.stack }.map(\.value.block))
        var entry: Registry.Entry
        if let existing = registry.stacks[identity.stack] { entry = existing } else {
            entry = Registry.Entry(
                project: identity.project, root: identity.root, branch: identity.branch,
                block: try freeBlock(range: range, taken: others, takenBlocks: otherBlocks),
                ports: [:], composeFile: composeFile, created: now, lastUsed: now)
        }
        entry.root = identity.root
        entry.branch = identity.branch
        entry.composeFile = composeFile
        // Kept to the minute (`ls` shows minutes): an `up` within a minute of the record leaves
        // the registry as it is, so a warm `up` writes (and syncs) nothing.
        if touch, abs(now.timeIntervalSince(entry.lastUsed)) >= 60 { entry.lastUsed = now }
        var assigned: [String: Int] = [:]
        for req in requests {
            if let p = req.pinned { assigned[req.key] = p; continue }
            if let p = entry.ports[req.key], !others.contains(p), !assigned.values.contains(p) {
                assigned[req.key] = p; continue
            }
            let used = others.union(assigned.values).union(requests.compactMap(\.pinned))
            let block = entry.block..<min(entry.block + range.blockSize, range.upper + 1)
            let candidates = Array(block) + Array(range.lower...range.upper)
            guard let port = candidates.first(where: { !used.contains($0) && (req.udp ? isFreeUDP($0) : isFree($0)) }) else {
                throw DevenvError("no free port left in devenv's range \(range.lower)-\(range.upper)",
                                  hint: "Remove old stacks (`devenv gc`, `devenv ls`) or widen DEVENV_PORT_RANGE.",
                                  exitCode: .portConflict)
            }
            assigned[req.key] = port
        }
        entry.ports = assigned
        registry.stacks[identity.stack] = entry
        return assigned
    }

    package static func freeBlock(range: PortRange, taken: Set<Int>, takenBlocks: Set<Int>) throws -> Int {
        var b = range.lower
        while b + range.blockSize - 1 <= range.upper {
            if !takenBlocks.contains(b), !(b..<(b + range.blockSize)).contains(where: taken.contains) { return b }
            b += range.blockSize
        }
        // Every block is in use: share the range port by port.
        return range.lower
    }
}

/// Whether a TCP port on 127.0.0.1 is free: it can be bound now, and nothing answers on it.
///
/// The bind alone cannot see everything: with `SO_REUSEADDR`, BSD sockets (macOS) let
/// 127.0.0.1:P be bound beside the same user's listener on 0.0.0.0:P or [::]:P. A connect to
/// 127.0.0.1 and to [::1] finds those, on every system.
public enum PortProbe {
    public static func isFree(_ port: Int) -> Bool {
        bindable(port) && !answers(host: "127.0.0.1", port) && !answers(host: "::1", port)
    }

    /// Whether something accepts a TCP connection on `host:port` (a refusal answers at once on loopback).
    package static func answers(host: String, _ port: Int) -> Bool {
        guard let c = try? SocketConnection.connectTCP(host: host, port: port, timeout: 0.5) else { return false }
        c.close()
        return true
    }

    /// Whether UDP 127.0.0.1:`port` is free: a datagram socket can bind it now (UDP has no
    /// connect to find a listener on another address, so the bind is the whole check).
    public static func isFreeUDP(_ port: Int) -> Bool { bindable(port, type: Posix.datagramSocket) }

    /// Whether 127.0.0.1:`port` can be bound now (a socket in TIME_WAIT does not count).
    package static func bindable(_ port: Int, type: Int32 = Posix.streamSocket) -> Bool {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc == 0
    }
}
