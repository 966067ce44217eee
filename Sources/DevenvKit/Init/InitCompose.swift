import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import Yams

/// What `devenv init` found in the folder, ready to be written as devenv.yml.
struct InitDetection {
    var services: [InitOperation.Choice] = []
    /// `ports:` entries: a number, or nil for `auto`.
    var ports: [(name: String, port: Int?)] = []
    /// `env:` files and their keys, in order.
    var env: [(file: String, keys: [(key: String, value: String)])] = []
    var processes: [InitProcess] = []
    /// Comment lines for the top of the file (what was carried over from where).
    var notes: [String] = []
    /// What became of each compose service.
    var report = InitReport()
    /// compose's top-level `secrets:` and `configs:` (as compose gives them), for the services that use them.
    var composeMounted: [String: [SecretSpec]] = [:]
    /// The top-level `secrets:` and `configs:` to write: the ones a carried service uses.
    var secrets: [SecretSpec] = []
    var configs: [SecretSpec] = []

    mutating func addEnv(_ file: String, _ key: String, _ value: String) {
        if let i = env.firstIndex(where: { $0.file == file }) {
            if !env[i].keys.contains(where: { $0.key == key }) { env[i].keys.append((key, value)) }
        } else { env.append((file, [(key, value)])) }
    }
}

/// Carries a hand-kept compose file over: read through `docker compose config` (or, without a
/// compose binary, as plain YAML, with a warning), then every service accounted for by `InitMapper`.
enum InitCompose {
    static func read(dir: String, files: [String], hints: InitHintTable, runner: ProcessRunning, into d: inout InitDetection) async throws {
        let found = ComposeSource.find(in: dir, files: files)
        guard !found.isEmpty else { return }
        for f in found where !FileManager.default.fileExists(atPath: f.hasPrefix("/") ? f : dir + "/" + f) {
            throw DevenvError.usage("\(f): no such compose file", hint: "Give the path relative to this folder, as with `docker compose -f`.")
        }
        d.report.files = found
        let services: [SourceService]
        var compose = true
        do {
            let r = try await runner.capture(ComposeSource.configCommand(dir: dir, files: found))
            if !r.succeeded {
                let err = r.stderr.isEmpty ? r.stdout : r.stderr
                if err.contains("is not a docker command") || err.contains("unknown command") || err.contains("unknown flag") {
                    compose = false
                } else {
                    throw DevenvError.usage("compose cannot read \(found.joined(separator: ", ")): \(err.trimmingCharacters(in: .whitespacesAndNewlines))",
                                            hint: "Fix it until `docker compose config` reads it, then run `devenv init` again.")
                }
            }
            services = compose ? try ComposeSource.parse(json: Data(r.stdout.utf8)) : []
            if compose, let top = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] {
                for k in ["secrets", "configs"] { d.composeMounted[k] = ComposeSource.mounted(top, k) }
            }
        } catch let e as DevenvError { throw e } catch {
            // Only a machine without the docker CLI reads the file as plain YAML; any other
            // failure (a timeout, a spawn error) is said, never taken for "not installed".
            guard Self.dockerIsMissing() else {
                throw DevenvError("could not run `docker compose config` on \(found.joined(separator: ", ")): \(error)",
                                  hint: "Run `docker compose config` here to see why, then `devenv init` again.")
            }
            compose = false; services = []
        }
        var source = services
        if !compose {
            d.report.reader = "plain YAML"
            d.report.warnings.append("docker compose is not installed: read \(found[0]) as plain YAML, so ${VARIABLES}, extends:, include:, env_file: and other files are not resolved")
            let text = try String(contentsOfFile: found[0].hasPrefix("/") ? found[0] : dir + "/" + found[0], encoding: .utf8)
            source = try ComposeSource.parse(yaml: text)
            if let top = try? Yams.load(yaml: text) as? [String: Any] { for k in ["secrets", "configs"] { d.composeMounted[k] = ComposeSource.mounted(top, k) } }
        }
        InitMapper(hints: hints, dir: dir, unescapeDollars: compose).map(source, into: &d)
    }

    /// No `docker` on PATH (the CLI is not installed).
    static func dockerIsMissing() -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return !path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/docker") }
    }
}
