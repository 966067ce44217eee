import Foundation
import Testing
import MCP
import DevenvEngine
@testable import DevenvMCP

/// `devenv mcp`'s pure parts: each tool's schema, how arguments are checked, the command line a
/// call becomes, and how the child's output becomes the result.
struct MCPToolTests {
    func invocation(_ tool: String, _ args: [String: Value]) throws -> ToolInvocation {
        let spec = try #require(ToolCatalogue.named(tool))
        return try spec.map(try ToolArguments(args, spec: spec))
    }

    func refusal(_ tool: String, _ args: [String: Value]) -> String? {
        do { _ = try invocation(tool, args); return nil } catch let e as ToolRequestError { return e.message } catch { return "\(error)" }
    }

    @Test func everyToolHasAnObjectSchemaWithItsParameters() throws {
        #expect(ToolCatalogue.all.map(\.name) == ["up", "down", "status", "ports", "logs", "seed", "reset", "snapshot_save", "snapshot_restore", "run", "doctor"])
        for spec in ToolCatalogue.all {
            let schema = try #require(spec.inputSchema.objectValue)
            #expect(schema["type"] == "object" && schema["additionalProperties"] == false)
            #expect(Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? []) == Set(spec.params.map(\.name)))
        }
        let run = try #require(ToolCatalogue.named("run")?.inputSchema.objectValue)
        #expect(run["required"] == ["command"])
        #expect(run["properties"]?.objectValue?["command"] == ["description": .string(ToolCatalogue.run.params[0].description), "type": "array", "items": ["type": "string"], "minItems": 1])
        #expect(ToolCatalogue.named("down")?.tool.annotations.destructiveHint == true)
        #expect(ToolCatalogue.named("status")?.tool.annotations.readOnlyHint == true)
    }

    @Test func callsBecomeTheSubcommandsCommandLines() throws {
        #expect(try invocation("up", [:]) == ToolInvocation(["up", "--json", "--progress"], output: .json(key: "status"), locks: true, mask: true))
        #expect(try invocation("up", ["services": ["postgres"], "branch": true, "timeout": 30, "reveal": true, "wait": true]).arguments
                == ["up", "--json", "--progress", "--branch", "--timeout", "30", "--", "postgres"])
        #expect(try invocation("down", ["volumes": true, "confirm": true]).arguments == ["down", "--volumes", "--yes"])
        #expect(try invocation("down", ["all": true]).arguments == ["down", "--all"])
        #expect(try invocation("status", [:]).arguments == ["status", "--json"])
        #expect(try invocation("status", ["reveal": true]).mask == false)
        #expect(try invocation("ports", ["all": true]) == ToolInvocation(["ports", "--json", "--all"], output: .json(key: "ports")))
        #expect(try invocation("logs", ["service": "redis", "tail": 5]).arguments == ["logs", "--tail", "5", "--", "redis"])
        #expect(try invocation("logs", [:]).arguments == ["logs", "--tail", "100"])
        #expect(try invocation("seed", ["service": "postgres", "force": true]).arguments == ["seed", "--json", "--force", "--", "postgres"])
        #expect(try invocation("reset", ["service": "postgres", "confirm": true, "timeout": 60.5]).arguments == ["reset", "--yes", "--timeout", "60.5", "--", "postgres"])
        #expect(try invocation("snapshot_save", ["name": "--odd"]).arguments == ["snapshot", "save", "--", "--odd"])
        #expect(try invocation("snapshot_restore", ["name": "a", "confirm": true]).arguments == ["snapshot", "restore", "--", "a"])
        let run = try invocation("run", ["command": ["psql", "-c", "select 1"], "timeout": 5, "max_output_bytes": 100, "env_file": "api/.env"])
        #expect(run == ToolInvocation(["run", "--env", "api/.env", "--", "psql", "-c", "select 1"], output: .command, timeout: 5, stdoutLimit: 100))
        #expect(try invocation("run", ["command": ["true"]]).timeout == 60)
        #expect(try invocation("doctor", [:]).arguments == ["doctor", "--json"])
    }

    @Test func badArgumentsAreRefusedWithEveryProblem() {
        #expect(refusal("logs", ["tail": "five", "service": 3, "bogus": true])
                == "invalid arguments for logs: unknown argument 'bogus' (logs takes: service, tail, branch); argument 'service' must be a string; argument 'tail' must be an integer")
        #expect(refusal("logs", ["tail": 0]) == "invalid arguments for logs: argument 'tail' must be between 1 and 10000")
        #expect(refusal("logs", ["tail": 5.0]) == nil, "a whole number sent as 5.0 is an integer")
        #expect(refusal("run", [:]) == "invalid arguments for run: missing argument 'command': The program and its arguments, e.g. [\"psql\", \"-c\", \"select 1\"].")
        #expect(refusal("run", ["command": []])?.contains("argument 'command' must have at least 1 item") == true)
        #expect(refusal("run", ["command": ["ls", 1]])?.contains("must be an array of strings") == true)
        #expect(refusal("up", ["timeout": 0.5])?.contains("argument 'timeout' must be between 1 and 3600") == true)
        #expect(refusal("status", ["reveal": "yes"]) == "invalid arguments for status: argument 'reveal' must be true or false")
        #expect(refusal("down", ["all": true, "branch": true]) == "all already takes every branch's stack; drop branch")
    }

    @Test func destructiveCallsNeedConfirm() {
        #expect(refusal("down", ["volumes": true])?.contains("needs confirm: true") == true)
        #expect(refusal("down", ["volumes": true, "confirm": false])?.contains("needs confirm: true") == true)
        #expect(refusal("down", [:]) == nil, "down without volumes keeps the data")
        #expect(refusal("reset", [:]) == "reset deletes every service's data; it needs confirm: true (the CLI asks first, or takes --yes)")
        #expect(refusal("snapshot_restore", ["name": "a"])?.contains("needs confirm: true") == true)
    }

    @Test func theCLIsErrorBlockBecomesAStructuredToolError() {
        let f = CLIFailure.parse(stderr: ["postgres: starting", "error: devenv.yml has 1 problem:", "  devenv.yml:3:5: unknown key 'verison'", "hint: Fix the manifest."], exitCode: 2)
        #expect(f == CLIFailure(message: "devenv.yml has 1 problem:", details: ["  devenv.yml:3:5: unknown key 'verison'"], hint: "Fix the manifest.", exitCode: 2))
        #expect(CLIFailure.parse(stderr: ["something broke"], exitCode: 1).message == "something broke")
        #expect(CLIFailure.parse(stderr: [], exitCode: 4).message == "devenv exited with status 4")

        let inv = ToolInvocation(["status", "--json"], output: .json(key: "status"))
        let failed = ToolResult.make(inv, StreamedResult(status: 2, stdout: []), stderr: ["error: no devenv.yml here", "hint: Run devenv init."], mask: { $0 })
        #expect(failed.isError == true)
        #expect(failed.structuredContent == ["error": ["message": "no devenv.yml here", "details": [], "hint": "Run devenv init.", "exit_code": 2]])

        let busy = ToolResult.make(inv, StreamedResult(status: 143, stdout: [], stopped: true),
                                   stderr: ["waiting for another devenv working on stack 'shop'…"], mask: { $0 })
        #expect(busy.structuredContent?.objectValue?["error"]?.objectValue?["message"] == "another devenv is working on stack 'shop' (it holds the stack's lock)")
    }

    @Test func outputsBecomeObjects() {
        let ports = ToolResult.make(ToolInvocation(["ports", "--json"], output: .json(key: "ports")),
                                    StreamedResult(status: 0, stdout: Array(#"[{"port": 5432}]"#.utf8)), stderr: [], mask: { $0 })
        #expect(ports.isError == false && ports.structuredContent == ["ports": [["port": 5432]]])
        let lines = ToolResult.make(ToolInvocation(["down"], output: .lines(key: "output")),
                                    StreamedResult(status: 0, stdout: Array("Stopped stack a.\n".utf8)), stderr: [], mask: { $0 })
        #expect(lines.structuredContent == ["output": ["Stopped stack a."]])
        let run = ToolResult.make(ToolInvocation(["run", "--", "false"], output: .command, timeout: 5),
                                  StreamedResult(status: 1, stdout: Array("out".utf8), truncated: true), stderr: ["err"], mask: { $0 })
        #expect(run.isError == true)
        #expect(run.structuredContent == ["exit_code": 1, "stdout": "out", "stderr": "err", "timed_out": false, "truncated": true])
    }

    @Test func secretsAndURLPasswordsAreMasked() {
        #expect(MCPResources.mask(#"{"url": "postgres://devenv:s3cr3t@127.0.0.1:5432/app", "key": "abcdSECRET"}"#, secrets: ["abcdSECRET"])
                == #"{"url": "postgres://devenv:****@127.0.0.1:5432/app", "key": "****"}"#)
        #expect(MCPResources.mask("redis://:pw@127.0.0.1:6379/0", secrets: []) == "redis://:****@127.0.0.1:6379/0")
        #expect(MCPResources.mask("http://127.0.0.1:8080/x", secrets: []) == "http://127.0.0.1:8080/x")
    }

    @Test func theTransportTellsRequestsFromAnswersByID() {
        func ids(_ text: String, requests: Bool) -> [String] { AnsweringTransport.ids(Data(text.utf8), requests: requests) }
        #expect(ids(#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#, requests: true) == ["[1]"])
        #expect(ids(#"{"jsonrpc":"2.0","id":"1","method":"tools/call"}"#, requests: true) == [#"["1"]"#])
        #expect(ids(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, requests: true).isEmpty)
        #expect(ids(#"{"jsonrpc":"2.0","id":1,"result":{}}"#, requests: false) == ["[1]"])
        #expect(ids(#"{"jsonrpc":"2.0","id":1,"result":{}}"#, requests: true).isEmpty)
        #expect(ids(#"[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"ping"}]"#, requests: true) == ["[2]", "[3]"])
        #expect(ids("not json", requests: true).isEmpty)
    }
}
