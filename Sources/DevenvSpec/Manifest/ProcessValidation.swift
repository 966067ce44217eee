import Foundation
import DevenvCore

/// The checks on `processes:` that need the rest of devenv.yml: names, `depends:` (known,
/// no cycle), ports and readiness, `env:` files, `cwd:` folders, template keys in `run:`.
/// Every problem is collected, at the line and column of the key it is about.
package enum ProcessValidation {
    package static func check(_ manifest: Manifest, templateKeys keys: Set<String>) -> [ManifestProblem] {
        var problems: [ManifestProblem] = []
        func problem(_ p: ProcessSpec, _ key: String, _ message: String) {
            let m = p.mark(key)
            problems.append(ManifestProblem(line: m.line, column: m.column, message))
        }
        let services = manifest.services.map(\.name)
        let processes = manifest.processes.map(\.name)
        let ports = manifest.appPorts.map(\.name)
        let envFiles = manifest.envTargets.isEmpty ? [".env"] : manifest.envTargets.map(\.path)
        var portUsers: [String: String] = [:]

        for p in manifest.processes {
            if services.contains(p.name) {
                problem(p, "name", "process '\(p.name)' has the name of a service; give one of them another name")
            }
            for d in p.depends {
                if d == p.name { problem(p, "depends", "process '\(p.name)' depends on itself"); continue }
                if !services.contains(d) && !processes.contains(d) {
                    problem(p, "depends", "process '\(p.name)' depends on '\(d)', which is no service or process\(Suggest.hint(d, among: services + processes))")
                }
            }
            let port = ownPort(p, manifest)
            if let named = p.port, !ports.contains(named) {
                problem(p, "port", "process '\(p.name)' uses port '\(named)', which is not under ports:\(Suggest.hint(named, among: ports)); add `\(named): auto` under ports:")
            }
            if let port, ports.contains(port) {
                if let other = portUsers[port] { problem(p, p.port == nil ? "name" : "port", "processes '\(other)' and '\(p.name)' both use port '\(port)'") }
                portUsers[port] = p.name
            }
            switch p.ready {
            case .http?:
                if port == nil || !ports.contains(port!) {
                    problem(p, "ready", "process '\(p.name)' is checked over http but has no port: add `\(p.name): auto` (or a number) under ports:, or `port: NAME`")
                }
            case .tcp(let name)?:
                let target = name.isEmpty ? port : name
                if let target, ports.contains(target) { break }
                if name.isEmpty {
                    problem(p, "ready", "process '\(p.name)' is checked over tcp but has no port: add `\(p.name): auto` under ports:, or say { tcp: NAME }")
                } else {
                    problem(p, "ready", "ready of process '\(p.name)' names port '\(name)', which is not under ports:\(Suggest.hint(name, among: ports))")
                }
            case nil: break
            }
            for f in p.envFiles ?? [] where !envFiles.contains(f) {
                problem(p, "env", "process '\(p.name)' takes the keys of '\(f)', which is not a file under env:\(Suggest.hint(f, among: envFiles)); env files: \(envFiles.joined(separator: ", "))")
            }
            if let cwd = p.cwd {
                var isDir: ObjCBool = false
                if !FileManager.default.fileExists(atPath: manifest.root + "/" + cwd, isDirectory: &isDir) || !isDir.boolValue {
                    problem(p, "cwd", "cwd '\(cwd)' of process '\(p.name)' is not a folder in \(manifest.root)")
                }
            }
            for text in p.run.texts {
                for ref in KindTemplateCheck.unknownKeys(text, keys) {
                    problem(p, "run", "unknown template key '{{\(ref)}}' in the run of process '\(p.name)'\(Suggest.hint(ref, among: keys.sorted()))")
                }
            }
        }
        for cycle in cycles(manifest.processes) {
            if let first = manifest.processes.first(where: { $0.name == cycle[0] }) {
                problem(first, "depends", "processes depend on each other in a circle: \((cycle + [cycle[0]]).joined(separator: " → "))")
            }
        }
        return problems
    }

    /// The name under `ports:` the process listens on: `port:`, else its own name when
    /// `ports:` has it.
    package static func ownPort(_ p: ProcessSpec, _ manifest: Manifest) -> String? {
        if let port = p.port { return port }
        return manifest.appPorts.contains { $0.name == p.name } ? p.name : nil
    }

    /// Each circle of process dependencies, once, starting at its first process in manifest order.
    package static func cycles(_ processes: [ProcessSpec]) -> [[String]] {
        let deps = Dictionary(uniqueKeysWithValues: processes.map { ($0.name, $0.depends.filter { d in processes.contains { $0.name == d } }) })
        var found: [[String]] = []
        var seen = Set<String>()
        for start in processes.map(\.name) {
            var path: [String] = []
            func walk(_ n: String) {
                if let i = path.firstIndex(of: n) {
                    let cycle = Array(path[i...])
                    if !cycle.contains(where: seen.contains) {
                        let rotated = processes.map(\.name).first(where: cycle.contains).map { f -> [String] in
                            let j = cycle.firstIndex(of: f)!
                            return Array(cycle[j...] + cycle[..<j])
                        } ?? cycle
                        found.append(rotated)
                        seen.formUnion(cycle)
                    }
                    return
                }
                guard path.count <= processes.count else { return }
                path.append(n)
                for d in deps[n] ?? [] { walk(d) }
                path.removeLast()
            }
            walk(start)
        }
        return found
    }
}
