import Foundation
import MCP
import DevenvEngine

/// What the CLI said on stderr when it failed: `error: MESSAGE`, detail lines, `hint: HINT`
/// (Reporter's shape), with its exit code.
public struct CLIFailure: Sendable, Equatable, Codable {
    public var message: String
    public var details: [String]
    public var hint: String?
    public var exitCode: Int32

    enum CodingKeys: String, CodingKey { case message, details, hint, exitCode = "exit_code" }

    public init(message: String, details: [String] = [], hint: String? = nil, exitCode: Int32) {
        self.message = message; self.details = details; self.hint = hint; self.exitCode = exitCode
    }

    /// Reads the last `error:` block of the child's stderr; without one, its last lines.
    public static func parse(stderr lines: [String], exitCode: Int32) -> CLIFailure {
        guard let start = lines.lastIndex(where: { $0.hasPrefix("error: ") }) else {
            let tail = lines.suffix(20).filter { !$0.isEmpty }
            return CLIFailure(message: tail.last ?? "devenv exited with status \(exitCode)", details: Array(tail.dropLast()), exitCode: exitCode)
        }
        var failure = CLIFailure(message: String(lines[start].dropFirst("error: ".count)), exitCode: exitCode)
        for line in lines[(start + 1)...] {
            if line.hasPrefix("hint: ") { failure.hint = String(line.dropFirst("hint: ".count)) } else { failure.details.append(line) }
        }
        return failure
    }

    /// The text an agent reads first: the CLI's own lines.
    public var text: String {
        (["error: " + message] + details + (hint.map { ["hint: " + $0] } ?? []) + ["(exit code \(exitCode))"]).joined(separator: "\n")
    }
}

/// Turns a finished child into the tool's result. A pure function of the child's output.
public enum ToolResult {
    /// The note a devenv prints when another one holds the stack's lock (`StackLock.waitingMessage`).
    public static let lockWaitNote = "waiting for another devenv working on stack"

    public static func make(_ inv: ToolInvocation, _ r: StreamedResult, stderr: [String], mask: (String) -> String) -> CallTool.Result {
        let stdout = mask(String(decoding: r.stdout, as: UTF8.self))
        if case .command = inv.output {
            let errText = mask(stderr.joined(separator: "\n"))
            let cap = inv.stdoutLimit
            let errKept = errText.utf8.count > cap ? String(decoding: Array(errText.utf8.suffix(cap)), as: UTF8.self) : errText
            let structured: Value = ["exit_code": .int(Int(r.status)), "stdout": .string(stdout), "stderr": .string(errKept),
                                     "timed_out": .bool(r.timedOut), "truncated": .bool(r.truncated || errKept.utf8.count < errText.utf8.count)]
            var text = stdout
            if !errKept.isEmpty { text += (text.isEmpty ? "" : "\n") + "stderr:\n" + errKept }
            text += (text.isEmpty ? "" : "\n") + (r.timedOut ? "(stopped after \(ToolArguments.text(inv.timeout ?? 0)) s)" : "(exit code \(r.status))")
            return result(text, structured, isError: r.status != 0 || r.timedOut)
        }
        let value = parse(stdout, inv.output)
        if r.stopped {
            return lockBusy(stack: stderr.first { $0.contains(lockWaitNote) }.flatMap { $0.split(separator: "'").dropFirst().first }.map(String.init) ?? "?")
        }
        if r.timedOut {
            return failure(CLIFailure(message: "devenv did not finish within \(ToolArguments.text(inv.timeout ?? 0)) s and was stopped", exitCode: 1), value)
        }
        if r.status != 0 {
            var f = CLIFailure.parse(stderr: stderr, exitCode: r.status)
            f.message = mask(f.message); f.details = f.details.map(mask)
            return failure(f, value)
        }
        let text = stdout.isEmpty ? "(done)" : stdout
        return result(text, value, isError: false)
    }

    static func result(_ text: String, _ structured: Value?, isError: Bool) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: structured, isError: isError)
    }

    /// Another devenv holds the stack's lock: the call fails at once (exit code 1) instead of waiting.
    public static func lockBusy(stack: String) -> CallTool.Result {
        failure(CLIFailure(message: "another devenv is working on stack '\(stack)' (it holds the stack's lock)",
                           hint: "Call again when it has finished, or with wait: true to queue behind it.", exitCode: 1), nil)
    }

    static func failure(_ f: CLIFailure, _ partial: Value?) -> CallTool.Result {
        var structured: [String: Value] = ["error": (try? Value(f)) ?? .string(f.message)]
        if let partial { structured["result"] = partial }
        return result(f.text, .object(structured), isError: true)
    }

    /// stdout as the structured result: `--json` decoded (an array under its key), or lines.
    static func parse(_ stdout: String, _ output: ToolInvocation.Output) -> Value? {
        switch output {
        case .json(let key):
            guard let data = stdout.data(using: .utf8), !data.isEmpty,
                  let value = try? JSONDecoder().decode(Value.self, from: data) else { return nil }
            if case .object = value { return value }
            return .object([key: value])
        case .lines(let key):
            var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return .object([key: .array(lines.map(Value.string))])
        case .command:
            return nil
        }
    }
}
