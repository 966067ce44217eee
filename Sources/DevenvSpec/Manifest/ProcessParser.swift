import Foundation
import Yams
import DevenvCore

/// Reads `processes:`. Each entry is a map (`run:` required) or, for the common case, just
/// its command (`web: bun run dev`). Checks that need other sections (ports, services, env
/// targets, template keys, folders on disk) are `ProcessValidation`'s.
package struct ProcessParser {
    package static let keys = ["run", "cwd", "env", "ready", "port", "depends"]

    package func parse(_ node: Node, _ reader: inout NodeReader) -> [ProcessSpec] {
        guard let m = reader.mapping(node, "processes") else { return [] }
        var out: [ProcessSpec] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let name = reader.string(k, "a process name") else { continue }
            if !NameSyntax.matches(name, first: ASCIIClass("a-z0-9"), rest: ASCIIClass("a-z0-9_-")) {
                reader.problem(k, "process name '\(name)' must be lower-case letters, digits, '-' and '_'")
                continue
            }
            if !seen.insert(name).inserted { reader.problem(k, "process '\(name)' appears twice"); continue }
            if let p = parseProcess(name, keyNode: k, v, &reader) { out.append(p) }
        }
        return out
    }

    private func parseProcess(_ name: String, keyNode: Node, _ node: Node, _ reader: inout NodeReader) -> ProcessSpec? {
        var spec = ProcessSpec(name: name, run: .shell(""))
        spec.marks["name"] = Self.mark(keyNode)
        if case .scalar = node {
            guard let line = reader.string(node, "process '\(name)'") else { return nil }
            spec.run = .shell(line)
            spec.marks["run"] = Self.mark(node)
            return spec
        }
        guard let m = reader.mapping(node, "process '\(name)'") else { return nil }
        var hasRun = false
        for (key, v) in reader.entries(m, allowed: Self.keys, context: "in process '\(name)'") {
            spec.marks[key] = Self.mark(v)
            switch key {
            case "run":
                if let run = parseRun(v, name, &reader) { spec.run = run; hasRun = true }
                else { hasRun = true }   // reported already
            case "cwd":
                guard let dir = reader.string(v, "cwd") else { continue }
                if dir.hasPrefix("/") || dir.split(separator: "/").contains("..") {
                    reader.problem(v, "cwd '\(dir)' must be a folder inside the project, like 'api'")
                } else {
                    let trimmed = dir.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
                    spec.cwd = trimmed.isEmpty ? nil : trimmed
                }
            case "env":
                if let files = reader.strings(v, "env (the env: files whose keys the process gets)") { spec.envFiles = files }
            case "ready": spec.ready = parseReady(v, &reader)
            case "port": spec.port = reader.string(v, "port (a name under ports:)")
            case "depends": spec.depends = reader.strings(v, "depends") ?? []
            default: break
            }
        }
        if !hasRun {
            reader.problem(keyNode, "process '\(name)' needs 'run:' (a shell line, or an argv list like [\"npm\", \"run\", \"dev\"])")
            return nil
        }
        return spec
    }

    private func parseRun(_ node: Node, _ name: String, _ reader: inout NodeReader) -> ProcessSpec.Run? {
        if node.sequence != nil {
            guard let argv = reader.argv(node, "run") else { return nil }
            if argv.isEmpty || argv[0].isEmpty { reader.problem(node, "run of process '\(name)' is an empty list"); return nil }
            return .argv(argv)
        }
        guard let line = reader.string(node, "run") else { return nil }
        if line.trimmingCharacters(in: .whitespaces).isEmpty { reader.problem(node, "run of process '\(name)' is empty"); return nil }
        return .shell(line)
    }

    /// `{ http: /health }`, `{ tcp: PORTNAME }`, or the short forms `/health` and `tcp`
    /// (on the process's own port).
    private func parseReady(_ node: Node, _ reader: inout NodeReader) -> ProcessSpec.Ready? {
        let expected = "ready must be { http: /path } or { tcp: PORTNAME }"
        if case .scalar(let s) = node {
            if s.string.hasPrefix("/") { return .http(path: s.string) }
            if s.string == "tcp" { return .tcp(port: "") }
            reader.problem(node, "\(expected), found '\(s.string)'")
            return nil
        }
        guard let m = reader.mapping(node, "ready") else { return nil }
        var ready: ProcessSpec.Ready?
        for (key, v) in reader.entries(m, allowed: ["http", "tcp"], context: "in 'ready'") {
            guard ready == nil else { reader.problem(v, "ready takes one of 'http' or 'tcp', not both"); continue }
            guard let text = reader.string(v, "ready.\(key)") else { continue }
            if key == "http" { ready = .http(path: text.hasPrefix("/") ? text : "/" + text) }
            else { ready = .tcp(port: ["true", "yes"].contains(text) ? "" : text) }   // "": the process's own port
        }
        if ready == nil, m.count == 0 { reader.problem(node, expected) }
        return ready
    }

    package static func mark(_ node: Node) -> SpecMark { SpecMark(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1) }
}
