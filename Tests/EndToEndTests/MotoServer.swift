import Foundation
import CurrentPlatform

/// A real AWS API on this machine: moto's `moto_server` (PyPI `moto[server]`, installed by
/// `make testbed`, Tests/testbed/moto.sh) on 127.0.0.1 and a free port, for one test. Started
/// and polled until it answers, stopped (TERM, then KILL) afterwards.
final class MotoServer {
    let port: Int
    let process: Process
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The environment the AWS CLI (and devenv's presets) need to reach it, with no host
    /// config or credentials involved.
    func environment(_ dir: String) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
         "AWS_CONFIG_FILE": dir + "/aws-config-none", "AWS_SHARED_CREDENTIALS_FILE": dir + "/aws-credentials-none",
         "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true"]
    }

    static func with<T>(_ body: (MotoServer) throws -> T) throws -> T {
        let server = try MotoServer()
        defer { server.stop() }
        return try body(server)
    }

    private init() throws {
        guard ProjectFixture.commandExists("moto_server"), ProjectFixture.commandExists("aws") else {
            throw Missing(what: "moto_server and the AWS CLI are needed: run `make testbed` (Tests/testbed/moto.sh)")
        }
        port = try Self.freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let r = try ProjectFixture.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", endpoint + "/moto-api/"])
            if r.stdout == "200" { return }
            guard process.isRunning else { throw Missing(what: "moto_server exited at start (status \(process.terminationStatus))") }
            usleep(100_000)
        }
        stop()
        throw Missing(what: "moto_server did not answer on \(endpoint) within 60 s")
    }

    /// Runs a Python snippet with boto3 against the server (moto depends on boto3).
    @discardableResult
    func python(_ code: String, dir: String) throws -> ProjectFixture.Result {
        let script = "import boto3, json\nkw = dict(endpoint_url='\(endpoint)', region_name='us-east-1')\n" + code
        let r = try ProjectFixture.run(["python3", "-c", script], env: environment(dir))
        guard r.status == 0 else { throw Missing(what: "seeding moto failed: \(r.stderr)") }
        return r
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    struct Missing: Error, CustomStringConvertible { var what: String; var description: String { what } }

    /// A port nothing listens on now: bound to 127.0.0.1:0, read back, released.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Posix.streamSocket, 0)
        guard fd >= 0 else { throw Missing(what: "socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Missing(what: "could not find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension ProjectFixture {
    static func commandExists(_ name: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(name)"]).status) == 0
    }
}
