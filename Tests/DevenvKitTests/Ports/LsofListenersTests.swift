import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Ports: lsof field output parsing")
struct LsofListenersTests {
    @Test func parsesMacOSSampleWithFileDescriptorFields() throws {
        let listeners = LsofListeners.parse(try PortsFixtures.text("lsof-listen.txt"))
        let launchd = PortHolder(pid: 412, command: "launchd", user: "root", uid: 0)
        let postgres = PortHolder(pid: 1337, command: "postgres", user: "alice", uid: 501)
        let docker = PortHolder(pid: 2024, command: "com.docker.backend", user: "alice", uid: 501)
        #expect(listeners == [
            Listener(port: 22, address: "0.0.0.0", inode: 0, holder: launchd),
            Listener(port: 22, address: "::", inode: 0, holder: launchd),
            Listener(port: 5432, address: "127.0.0.1", inode: 0, holder: postgres),
            Listener(port: 5432, address: "::1", inode: 0, holder: postgres),
            Listener(port: 6379, address: "127.0.0.1", inode: 0, holder: docker), // ESTABLISHED row dropped
            Listener(port: 7000, address: "fe80::1", inode: 0, holder: docker),
        ])
    }

    /// Without `f` in the field list (as on Linux), a repeated `t`/`n` starts the next file set.
    @Test func parsesOutputWithoutFileDescriptorFields() {
        let output = "p16845\ncpython3\nu0\nLroot\ntIPv4\nn127.0.0.1:37335\nTST=LISTEN\nTQR=0\nTQS=0\n"
            + "tIPv6\nn*:49365\nTST=LISTEN\nTQR=0\nTQS=0\ntIPv6\nn[::1]:34481\nTST=LISTEN\nTQR=0\nTQS=0\n"
        let holder = PortHolder(pid: 16845, command: "python3", user: "root", uid: 0)
        let expected = [
            Listener(port: 34481, address: "::1", inode: 0, holder: holder),
            Listener(port: 37335, address: "127.0.0.1", inode: 0, holder: holder),
            Listener(port: 49365, address: "::", inode: 0, holder: holder),
        ]
        #expect(LsofListeners.parse(output) == expected)
        // -F0: NUL-terminated fields.
        #expect(LsofListeners.parse(output.replacingOccurrences(of: "\n", with: "\0")) == expected)
    }

    @Test func emptyOrFieldlessOutputYieldsNothing() {
        #expect(LsofListeners.parse("").isEmpty)
        #expect(LsofListeners.parse("p1\ncinit\n").isEmpty)
        #expect(LsofListeners.parse("p1\ncinit\ntIPv4\nnlocalhost\nTST=LISTEN\n").isEmpty) // no port
    }

    @Test func argv() {
        #expect(LsofListeners.arguments() == ["lsof", "-nP", "+c", "0", "-iTCP", "-sTCP:LISTEN", "-F", "pcLnuTt"])
        #expect(LsofListeners.arguments(port: 5432) == ["lsof", "-nP", "+c", "0", "-iTCP:5432", "-sTCP:LISTEN", "-F", "pcLnuTt"])
    }
}
