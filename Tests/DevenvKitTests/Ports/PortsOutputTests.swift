import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The fast paths of `ports --all --json` give the same answers as the plain ones.
@Suite struct PortsOutputTests {
    static var rows: [PortsOperation.Row] { [
        .init(port: 22, stack: nil, service: nil, state: "listening",
              holder: PortOwner(pid: 812, command: "/usr/sbin/sshd -D", user: "root")),
        .init(port: 5432, stack: "shop", service: "postgres", state: "listening",
              holder: PortOwner(pid: nil, command: nil, user: nil, container: "shop-postgres-1", containerID: "abc",
                                composeProject: "shop", stack: "shop")),
        .init(port: 6000, stack: nil, service: nil, state: "free", holder: nil),
        .init(port: 8080, stack: "x\"y", service: "a\\b", state: "conflict",
              holder: PortOwner(pid: 1, command: "tab\there \u{1b}[0m naïve ✓ \"q\"", user: nil)),
    ] }

    @Test func theByteWriterWritesWhatTheReferenceWrites() throws {
        let fast = PortsOperation.json(Self.rows)
        #expect(fast == PortsOperation.jsonReference(Self.rows))
        #expect(PortsOperation.json([]) == "[]")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(fast.utf8)) as? [[String: Any]])
        #expect(parsed.count == 4)
        #expect((parsed[3]["holder"] as? [String: Any])?["command"] as? String == "tab\there \u{1b}[0m naïve ✓ \"q\"")
        #expect(parsed[2]["holder"] is NSNull)
    }

    @Test func numbersAreWrittenAsDigits() {
        var w = JSONWriter()
        for n in [0, 7, 10, 65535, -42, Int(Int32.max)] { w.int(n); w.raw(" ") }
        w.int(Int?.none)
        #expect(w.text == "0 7 10 65535 -42 2147483647 null")
    }

    @Test func theProgramNameIsTheFirstWordsLastPathPart() {
        for (command, name) in [("/usr/bin/docker-proxy -proto tcp", "docker-proxy"), ("docker-proxy", "docker-proxy"),
                                ("  /opt/x/bin/ redis", "bin"), ("python3 -m http.server", "python3"), ("/", nil), ("", nil)] as [(String, String?)] {
            #expect(PortHolder(command: command).executableName == name, "\(command)")
        }
        #expect(PortHolder(command: nil).executableName == nil)
    }

    @Test func sortingByPrecomputedKeysKeepsTheScanOrder() {
        var listeners: [Listener] = []
        for i in 0..<500 {
            let port = (i * 7919) % 97 + 1
            listeners.append(Listener(port: port, address: i % 3 == 0 ? "::" : (i % 3 == 1 ? "127.0.0.1" : "0.0.0.0"), inode: UInt64(1000 - i)))
        }
        #expect(ListenerScanner.sortedByKey(listeners) == listeners.sorted(by: Listener.sortKey))
    }
}
