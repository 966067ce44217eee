import Foundation
import DevenvCore

/// What `devenv init` did with each compose service: printed as a table (`--dry-run`), as
/// JSON (`--json`), and summed up in the written file's header.
public struct InitReport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        /// The compose service.
        public var service: String
        /// `kind postgres`, `generic`, `process`, or `not carried`.
        public var became: String
        /// Its name in devenv.yml (nil when not carried).
        public var name: String?
        public var carried: [String] = []
        /// `WHAT: WHY` for everything of it devenv.yml does not have.
        public var notCarried: [String] = []
    }
    public struct Rewrite: Codable, Sendable, Equatable {
        public var service: String
        public var key: String
        public var from: String
        public var to: String
    }
    /// The compose file(s) read, relative to the project.
    public var files: [String] = []
    /// `docker compose config`, or `plain YAML` when compose is not installed.
    public var reader = "docker compose config"
    public var rows: [Row] = []
    public var rewrites: [Rewrite] = []
    /// Values that mention a compose service but were kept as written.
    public var undecided: [String] = []
    public var warnings: [String] = []

    public var notCarriedCount: Int { rows.reduce(0) { $0 + $1.notCarried.count } }

    /// The mapping as a table, then rewrites, undecided values and warnings.
    public func lines() -> [String] {
        guard !rows.isEmpty else { return [] }
        var out = ["From \(files.joined(separator: ", ")) (read with \(reader)):"]
        out += Table.render(header: ["COMPOSE", "BECAME", "CARRIED", "NOT CARRIED"], rows: rows.map { r in
            [r.service, r.became + (r.name.map { $0 == r.service ? "" : " \($0)" } ?? ""),
             Self.summary(r.carried), r.notCarried.isEmpty ? "-" : "\(r.notCarried.count) (below)"]
        })
        let lost = rows.flatMap { r in r.notCarried.map { "  not carried: \(r.service) \($0)" } }
        if !lost.isEmpty { out.append(""); out += lost }
        if !rewrites.isEmpty {
            out.append("")
            out += rewrites.map { "  rewrote \($0.service) \($0.key): \($0.from) → \($0.to)" }
        }
        if !undecided.isEmpty { out.append(""); out += undecided.map { "  undecided: \($0)" } }
        if !warnings.isEmpty { out.append(""); out += warnings.map { "  warning: \($0)" } }
        return out
    }

    /// `image, command, 14 env, 2 volumes, 1 port` (the JSON has every item).
    static func summary(_ carried: [String]) -> String {
        guard !carried.isEmpty else { return "-" }
        var counts: [(String, Int)] = []
        // compose keys carried as written, by name: `user, tty`
        let keys = carried.filter { $0.hasPrefix("key ") }.map { String($0.dropFirst(4).split(separator: " ").first ?? "") }
        for item in carried where !item.hasPrefix("key ") {
            let word = item.hasPrefix("env ") || item.contains("(the kind's own)") ? "env" : String(item.split(separator: " ").first ?? "")
            if let i = counts.firstIndex(where: { $0.0 == word }) { counts[i].1 += 1 } else { counts.append((word, 1)) }
        }
        return counts.map { w, n in ["image", "command", "run:", "healthcheck", "entrypoint", "build", "restart", "profiles"].contains(w) ? (w == "run:" ? "run" : w) : "\(n) \(w)\(n == 1 || w == "env" || w == "depends_on" ? "" : "s")" }
            .joined(separator: ", ") + (keys.isEmpty ? "" : (counts.isEmpty ? "" : ", ") + keys.joined(separator: ", "))
    }

    /// Comment lines for the top of devenv.yml.
    public func header() -> [String] {
        guard !rows.isEmpty else { return [] }
        var out = ["Carried over from \(files.joined(separator: ", ")) (read with \(reader)):"]
        for r in rows {
            out.append("  \(r.service) → \(r.became)\(r.name.map { $0 == r.service ? "" : " \($0)" } ?? "")")
            out += r.notCarried.map { "    not carried: \($0)" }
        }
        out += rewrites.map { "  rewrote \($0.service) \($0.key): \($0.from) → \($0.to)" }
        out += undecided.map { "  undecided: \($0)" }
        out += warnings.map { "  warning: \($0)" }
        return out
    }
}
