import Foundation
import MCP
#if canImport(System)
import System
#else
import SystemPackage
#endif
import DevenvCore
import DevenvEngine
import DevenvKit
import DevenvPlan

/// `devenv mcp`: the Model Context Protocol on stdin/stdout (the Swift SDK's server and stdio
/// transport). Each tool call runs this same binary as a child with the server's folder and
/// engine, so results are the CLI's `--json` models, errors the CLI's messages and exit codes,
/// and locks and trust behave as on the command line. The protocol owns stdout: the server
/// moves it to a descriptor of its own and points fd 1 at stderr, so nothing else can write there.
public struct MCPServer: Sendable {
    public var executable: String
    /// Put in front of every child's arguments: `-C DIR` and `--context NAME`.
    public var globalArguments: [String]
    public var ctx: DevenvContext

    public init(executable: String, directory: String, dockerContext: String?, ctx: DevenvContext) {
        self.executable = executable
        self.globalArguments = ["-C", directory] + (dockerContext.map { ["--context", $0] } ?? [])
        self.ctx = ctx
    }

    public static let instructions = """
        devenv runs this project's backing services (databases, caches, queues) on 127.0.0.1 for \
        this folder or git worktree: each worktree gets its own stack, ports and data. Call `up` \
        first, then `status` for each service's host, port and url, `run` to run a command with \
        the stack's environment (DATABASE_URL, …). Destructive tools (down with volumes, reset, \
        snapshot_restore) need confirm: true.
        """

    public func serve() async throws {
        let protocolOut = dup(STDOUT_FILENO)
        guard protocolOut >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
            throw DevenvError("cannot set up the protocol's output: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(protocolOut, F_SETFD, FD_CLOEXEC)
        let server = Server(name: "devenv", version: DevenvKitVersion.current, title: "devenv",
                            instructions: Self.instructions,
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await register(on: server)
        let transport = AnsweringTransport(StdioTransport(input: .standardInput, output: FileDescriptor(rawValue: protocolOut)))
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        await server.stop()
    }

    func register(on server: Server) async {
        let me = self
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: ToolCatalogue.all.map(\.tool)) }
        await server.withMethodHandler(CallTool.self) { [server] params in
            try await me.call(params) { line, count in
                guard let token = params._meta?.progressToken else { return }
                try? await server.notify(ProgressNotification.message(.init(progressToken: token, progress: Double(count), message: line)))
            }
        }
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: MCPResources.list) }
        await server.withMethodHandler(ReadResource.self) { params in try MCPResources.read(params.uri, ctx: me.ctx) }
    }

    /// One tool call: checked, mapped, run as a child; its stderr lines reported as they come.
    public func call(_ params: CallTool.Parameters,
                     progress: @escaping @Sendable (String, Int) async -> Void) async throws -> CallTool.Result {
        guard let spec = ToolCatalogue.named(params.name) else {
            throw MCPError.invalidParams("unknown tool '\(params.name)'; the tools are: \(ToolCatalogue.all.map(\.name).joined(separator: ", "))")
        }
        let invocation: ToolInvocation
        do {
            invocation = try spec.map(try ToolArguments(params.arguments, spec: spec))
        } catch let e as ToolRequestError {
            throw MCPError.invalidParams(e.message)
        }
        if invocation.locks && !invocation.wait, let busy = busyStack(branch: invocation.arguments.contains("--branch")) {
            return ToolResult.lockBusy(stack: busy)
        }
        let command = Command(executable, globalArguments + invocation.arguments, environment: ["NO_COLOR": "1"],
                              timeout: nil)
        let lines = LineLog()
        let result: StreamedResult
        do {
            let (stream, continuation) = AsyncStream.makeStream(of: (String, Int).self)
            let reporter = Task { for await (line, n) in stream { await progress(line, n) } }
            var child = command
            child.timeout = invocation.timeout.map { .milliseconds(Int($0 * 1000)) }
            result = try await ProcessRunner().stream(child, stdoutLimit: invocation.stdoutLimit) { line in
                let n = lines.append(line)
                continuation.yield((line, n))
                return !(invocation.locks && !invocation.wait && line.contains(ToolResult.lockWaitNote))
            }
            continuation.finish()
            await reporter.value
        } catch let e as DevenvError {
            return ToolResult.failure(CLIFailure(message: e.message, details: e.details, hint: e.hint, exitCode: e.exitCode.rawValue), nil)
        }
        let secrets = invocation.mask ? MCPResources.secrets(ctx) : []
        let mask: (String) -> String = invocation.mask ? { MCPResources.mask($0, secrets: secrets) } : { $0 }
        return ToolResult.make(invocation, result, stderr: lines.all, mask: mask)
    }
}

extension MCPServer {
    /// The stack whose lock another devenv holds right now, if it does (checked before the
    /// child starts, since `up --json` waits for the lock without a word). A devenv that takes
    /// the lock after this check is still caught by its "waiting for" line (other commands).
    func busyStack(branch: Bool) -> String? {
        guard let stack = try? Project.load(ctx, branch: branch).identity.stack else { return nil }
        return StackLock.isBusy(ctx, stack: stack) ? stack : nil
    }
}

/// The child's stderr lines, kept (the last 2000) for the error and for `run`'s result.
final class LineLog: Sendable {
    private let lines = Locked<(all: [String], count: Int)>(([], 0))
    func append(_ line: String) -> Int {
        lines.with { s in
            s.all.append(line); s.count += 1
            if s.all.count > 2000 { s.all.removeFirst(s.all.count - 2000) }
            return s.count
        }
    }
    var all: [String] { lines.value.all }
}
