import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A process `devenv init` suggests: what runs it, where, and whether it listens on a port.
public struct InitProcess: Equatable, Sendable {
    public var name: String
    public var run: String
    /// Relative to the project root; nil for the root itself.
    public var cwd: String?
    /// It listens on `{{ports.NAME}}` (or on `$PORT`, which devenv sets).
    public var listens: Bool
    public var depends: [String] = []
    /// What it was recognised from (`package.json "dev" script`).
    public var from: String
}

/// Recognises the app processes of a folder: a `package.json` with a `dev` (or `start`)
/// script, a `pyproject.toml` (or `requirements.txt`) with uvicorn or FastAPI, a
/// `Cargo.toml`, a `Procfile`. Commands use `{{ports.NAME}}` where the tool needs a flag;
/// the others read `$PORT`, which devenv sets for every process with a port.
enum InitProcesses {
    /// Folders never looked into for processes.
    static let skipped: Set<String> = ["node_modules", "target", "dist", "build", "venv", "env", "vendor", "coverage", "tmp", "docs"]

    /// The processes of the project at `root`: a root `Procfile`'s entries, else what the root
    /// and each first-level folder hold. `taken`: names already in use (services).
    static func detect(root: String, taken: Set<String>) -> [InitProcess] {
        if let procfile = try? String(contentsOfFile: root + "/Procfile", encoding: .utf8) {
            return procfileEntries(procfile).filter { !taken.contains($0.name) }
        }
        var out: [InitProcess] = []
        if let p = detect(folder: root, cwd: nil, name: nil) { out.append(p) }
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        for f in folders where !f.hasPrefix(".") && !skipped.contains(f) {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + f, isDirectory: &isDir), isDir.boolValue,
                  let p = detect(folder: root + "/" + f, cwd: f, name: name(for: f)) else { continue }
            out.append(p)
        }
        var used = taken
        return out.map { p in
            var p = p
            while used.contains(p.name) { p.name += "-app" }
            used.insert(p.name)
            return finish(p)
        }
    }

    static let placeholder = "__name__"

    /// The command with the process's own port name in it.
    static func finish(_ p: InitProcess) -> InitProcess {
        var p = p
        p.run = p.run.replacingOccurrences(of: "{{ports.\(placeholder)}}", with: "{{ports.\(p.name)}}")
        return p
    }

    /// What one folder runs, if devenv recognises it. `name`: nil picks one by its kind
    /// (`web`, `api`, `server`). Commands carry `{{ports.__name__}}` until named.
    static func detect(folder: String, cwd: String?, name: String?) -> InitProcess? {
        let fm = FileManager.default
        if let data = fm.contents(atPath: folder + "/package.json"),
           let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let scripts = json["scripts"] as? [String: Any] {
            let script = (scripts["dev"] as? String).map { ("dev", $0) } ?? (scripts["start"] as? String).map { ("start", $0) }
            if let (key, text) = script {
                let tool = fm.fileExists(atPath: folder + "/bun.lockb") || fm.fileExists(atPath: folder + "/bun.lock") ? "bun"
                    : fm.fileExists(atPath: folder + "/pnpm-lock.yaml") ? "pnpm" : fm.fileExists(atPath: folder + "/yarn.lock") ? "yarn" : "npm"
                var run = tool == "npm" ? (key == "start" ? "npm start" : "npm run dev") : tool == "bun" ? "bun run \(key)" : "\(tool) \(key)"
                // Vite (SvelteKit, Astro) takes a flag; Next.js, Create React App and Nest read $PORT.
                if ["vite", "astro", "svelte-kit dev"].contains(where: text.contains) {
                    run += (tool == "npm" ? " -- " : " ") + "--port {{ports.\(placeholder)}}"
                }
                return InitProcess(name: name ?? "web", run: run, cwd: cwd, listens: true, from: "package.json \"\(key)\" script")
            }
        }
        let pyproject = (try? String(contentsOfFile: folder + "/pyproject.toml", encoding: .utf8)) ?? ""
        let requirements = (try? String(contentsOfFile: folder + "/requirements.txt", encoding: .utf8)) ?? ""
        let python = pyproject + "\n" + requirements
        if python.lowercased().contains("uvicorn") || python.lowercased().contains("fastapi") {
            let prefix = pyproject.contains("[tool.poetry") ? "poetry run " : fm.fileExists(atPath: folder + "/uv.lock") ? "uv run "
                : fm.fileExists(atPath: folder + "/Pipfile") ? "pipenv run " : ""
            let app = fastAPIApp(in: folder) ?? "main:app"
            return InitProcess(name: name ?? "api", run: "\(prefix)uvicorn \(app) --reload --port {{ports.\(placeholder)}}", cwd: cwd,
                               listens: true, from: pyproject.isEmpty ? "requirements.txt with FastAPI" : "pyproject.toml with FastAPI")
        }
        if fm.fileExists(atPath: folder + "/Cargo.toml") {
            return InitProcess(name: name ?? "server", run: "cargo run", cwd: cwd, listens: true, from: "Cargo.toml")
        }
        if let procfile = try? String(contentsOfFile: folder + "/Procfile", encoding: .utf8),
           let web = procfileEntries(procfile).first(where: { $0.name == "web" }) ?? procfileEntries(procfile).first {
            return InitProcess(name: name ?? web.name, run: web.run, cwd: cwd, listens: web.listens, from: "Procfile")
        }
        return nil
    }

    /// `web: bundle exec puma -p $PORT` lines; `$PORT` stays (devenv sets it).
    static func procfileEntries(_ text: String) -> [InitProcess] {
        text.split(whereSeparator: \.isNewline).compactMap { line -> InitProcess? in
            let l = line.trimmingCharacters(in: .whitespaces)
            guard !l.hasPrefix("#"), let colon = l.firstIndex(of: ":") else { return nil }
            let n = name(for: String(l[..<colon]))
            let run = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !n.isEmpty, !run.isEmpty else { return nil }
            return InitProcess(name: n, run: run, cwd: nil, listens: run.contains("$PORT") || run.contains("${PORT}") || n == "web", from: "Procfile")
        }
    }

    /// `module:variable` of a FastAPI app (`app = FastAPI(`) in the usual places.
    static func fastAPIApp(in folder: String) -> String? {
        for file in ["main.py", "app.py", "app/main.py", "src/main.py", "src/app/main.py", "api/main.py", "server.py"] {
            guard let text = try? String(contentsOfFile: folder + "/" + file, encoding: .utf8),
                  let re = try? NSRegularExpression(pattern: "^([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*FastAPI\\(", options: .anchorsMatchLines),
                  let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let r = Range(m.range(at: 1), in: text) else { continue }
            return String(file.dropLast(3)).replacingOccurrences(of: "/", with: ".") + ":" + text[r]
        }
        return nil
    }

    /// A folder or Procfile name as a process name: lower-case `[a-z0-9_-]`.
    static func name(for raw: String) -> String {
        var s = raw.lowercased().map { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" ? $0 : "-" }
        while s.first == "-" || s.first == "_" { s.removeFirst() }
        return String(s)
    }
}
