import Foundation
import Yams
import DevenvCore

/// `upgrade:` in a kind's service.yml: how devenv reads the version that wrote a data volume,
/// and how it moves the data to a newer major version (`devenv upgrade SERVICE`). Every command
/// is an argv run in a throwaway container of the *new* image on the stack's network, with the
/// old server reachable at `{{upgrade.from}}` and the new one at `{{upgrade.to}}`;
/// `{{upgrade.host}}` is the server a read-only command asks, `{{upgrade.database}}` the
/// database a per-database command works on. `env:` is passed by name only.
public struct UpgradeSchema: Sendable, Equatable {
    /// How the data reaches the new version. `dump`: the new server starts on an empty volume
    /// and `copy` moves each database from the old server into it. `files`: the new volume
    /// starts as a copy of the old one's files, which the new server reads itself (Redis: the
    /// check is that it can read the RDB/AOF format); `copy` is optional then.
    public enum Method: String, Sendable, Equatable { case dump, files }
    public var method: Method = .dump
    /// The files, relative to the data folder, whose first line names the version that wrote
    /// it; the first that exists is read (MariaDB 11 renamed mysql_upgrade_info).
    public var versionFiles: [String]
    /// Or a shell script that prints it, run with the data folder read-only at /data (a version
    /// inside a binary file: Redis's RDB); printing nothing means "no version to check".
    public var versionScript: String?
    /// How many dot-separated numbers name a major version (1: Postgres 17; 2: MariaDB 11.8).
    public var versionParts: Int
    /// Lists the databases to carry over, one a line.
    public var databases: [String]
    /// Lists the roles (users), one a line.
    public var roles: [String]
    /// Lists `TABLE ROWS` for each table of `{{upgrade.database}}`, one a line.
    public var rows: [String]
    /// Copies what is not inside a database (roles, grants) from the old server to the new one;
    /// with `method: files`, whatever the new server must do once before the counts.
    public var globals: [String]
    /// Copies database `{{upgrade.database}}` from the old server into the new one.
    public var copy: [String]
    /// How the new side's rows per table are read from `copy`'s own output (the counts the
    /// new server reported as it wrote them), instead of `rows` on the new server after it.
    public var copied: CopiedRows?
    /// `load.command` (`method: dump` only): the data is loaded into a server of its own, a
    /// container of the new image on the new volume started with this command (settings for a
    /// bulk load), which is stopped cleanly after the copy; the service then starts on the
    /// loaded volume with its own settings. Empty: the copy goes into the service itself.
    public var load: [String] = []
    public var env: [TemplateEntry]

    /// `upgrade.copied`: every match of `pattern` (a regular expression, `^`/`$` at each line)
    /// in `copy`'s output names a table (capture 1) and the rows written to it (capture 2);
    /// a later match of a table wins. Names may be quoted with `quote` (doubled inside):
    /// `public."My ""T"""` is the table `public.My "T"`, as `rows` prints it.
    public struct CopiedRows: Sendable, Equatable {
        public var pattern: String
        public var quote: String?
        public init(pattern: String, quote: String? = nil) { self.pattern = pattern; self.quote = quote }
    }

    public init(versionFiles: [String], versionParts: Int = 1, databases: [String] = [], roles: [String] = [], rows: [String] = [],
                globals: [String] = [], copy: [String] = [], env: [TemplateEntry] = []) {
        self.versionFiles = versionFiles; self.versionParts = versionParts; self.databases = databases; self.roles = roles
        self.rows = rows; self.globals = globals; self.copy = copy; self.env = env
    }

    /// The keys `{{upgrade.*}}` the commands may use.
    public static let templateKeys: Set<String> = ["upgrade.from", "upgrade.to", "upgrade.host", "upgrade.database"]
}

/// Major versions as the kinds name them: the first `parts` dot-separated numbers of a version
/// (`17.2` → `17`; `10.11.6-MariaDB` → `10.11` with 2 parts).
public enum MajorVersion {
    /// Nil when `text` does not start with a number.
    public static func major(_ text: String, parts: Int) -> String? {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        var numbers: [String] = []
        for piece in line.split(separator: ".", omittingEmptySubsequences: false) {
            let digits = piece.prefix { $0.isNumber }
            guard !digits.isEmpty else { break }
            numbers.append(String(digits))
            if numbers.count == parts || digits.count != piece.count { break }
        }
        return numbers.isEmpty ? nil : numbers.joined(separator: ".")
    }

    /// -1, 0 or 1, numbers compared one by one (`9.6` < `10`; `10.11` < `11.8`).
    public static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }

    /// The data's major version against the one devenv.yml asks for, on the parts that one
    /// names: `version: "11"` is the image `mariadb:11`, whichever 11.x that is, so `11.8` data
    /// is that version (0) and `10.11` data older (-1). A wanted version that names every part
    /// compares as `compare`.
    public static func compare(data: String, wanted: String) -> Int {
        let parts = wanted.split(separator: ".").count
        return compare(data.split(separator: ".").prefix(max(parts, 1)).joined(separator: "."), wanted)
    }
}

extension KindLoader {
    package mutating func parseUpgrade(_ node: Node) -> UpgradeSchema? {
        guard let m = reader.mapping(node, "upgrade") else { return nil }
        var u = UpgradeSchema(versionFiles: [])
        let allowed = ["method", "version", "databases", "roles", "rows", "globals", "copy", "copied", "load", "env"]
        for (key, v) in reader.entries(m, allowed: allowed, context: "in upgrade") {
            switch key {
            case "method":
                guard let text = reader.string(v, "upgrade.method") else { continue }
                if let m = UpgradeSchema.Method(rawValue: text) { u.method = m } else { reader.problem(v, "upgrade.method must be dump or files, not '\(text)'") }
            case "version":
                guard let vm = reader.mapping(v, "upgrade.version") else { continue }
                for (k, vv) in reader.entries(vm, allowed: ["file", "run", "parts"], context: "in upgrade.version") {
                    if k == "run" {
                        u.versionScript = reader.string(vv, "upgrade.version.run")
                    } else if k == "file" {
                        u.versionFiles = (vv.sequence != nil ? reader.strings(vv, "upgrade.version.file") : reader.string(vv, "upgrade.version.file").map { [$0] }) ?? []
                        if u.versionFiles.contains(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") || $0.contains("'") }) {
                            reader.problem(vv, "upgrade.version.file is relative to the data folder, without '..' or quotes")
                        }
                    } else if let n = reader.scalarText(vv, "upgrade.version.parts") {
                        if let parts = Int(n), (1...3).contains(parts) { u.versionParts = parts } else { reader.problem(vv, "upgrade.version.parts must be 1, 2 or 3, not '\(n)'") }
                    }
                }
                if u.versionFiles.isEmpty == (u.versionScript == nil) {
                    reader.problem(v, "upgrade.version needs one of 'file:' (relative to the data folder, e.g. PG_VERSION) or 'run:' (a script that prints it)")
                }
            case "databases": u.databases = reader.argv(v, "upgrade.databases") ?? []
            case "roles": u.roles = reader.argv(v, "upgrade.roles") ?? []
            case "rows": u.rows = reader.argv(v, "upgrade.rows") ?? []
            case "globals": u.globals = reader.argv(v, "upgrade.globals") ?? []
            case "copy": u.copy = reader.argv(v, "upgrade.copy") ?? []
            case "load":
                guard let lm = reader.mapping(v, "upgrade.load") else { continue }
                for (_, vv) in reader.entries(lm, allowed: ["command"], context: "in upgrade.load") { u.load = reader.argv(vv, "upgrade.load.command") ?? [] }
                if lm["command"] == nil { reader.problem(v, "upgrade.load needs 'command:' (the new server's command while the data is loaded, e.g. [postgres, -c, wal_level=minimal])") }
            case "copied":
                guard let cm = reader.mapping(v, "upgrade.copied") else { continue }
                var pattern: String?, quote: String?
                for (k, vv) in reader.entries(cm, allowed: ["rows", "quote"], context: "in upgrade.copied") {
                    if k == "rows" {
                        pattern = reader.string(vv, "upgrade.copied.rows")
                        if reader.checksPatterns, let p = pattern, (try? NSRegularExpression(pattern: p, options: .anchorsMatchLines))?.numberOfCaptureGroups ?? 0 < 2 {
                            reader.problem(vv, "upgrade.copied.rows must be a regular expression with two groups, the table and its rows, e.g. '^(\\S+) ([0-9]+)$'")
                        }
                    } else {
                        quote = reader.string(vv, "upgrade.copied.quote")
                        if let q = quote, q.count != 1 { reader.problem(vv, "upgrade.copied.quote must be one character, e.g. '\"'") }
                    }
                }
                if let pattern { u.copied = .init(pattern: pattern, quote: quote) }
                else { reader.problem(v, "upgrade.copied needs 'rows:' (a regular expression over the copy's output: table, rows)") }
            default: u.env = reader.templates(v, "upgrade.env")
            }
        }
        if u.method == .files, let l = m["load"] { reader.problem(l, "upgrade.load is for 'method: dump' (a files upgrade loads nothing)") }
        if m["version"] == nil { reader.problem(node, "upgrade needs 'version: { file: FILE }' (how to read the version that wrote the data)") }
        let commands = u.method == .files ? ["databases", "roles", "rows"] : ["databases", "roles", "rows", "copy"]
        let given = commands.filter { m[$0] != nil }
        if !given.isEmpty, given.count < commands.count {
            reader.problem(node, "upgrade needs all of \(commands.joined(separator: ", ")) to move data (missing: \(commands.filter { m[$0] == nil }.joined(separator: ", ")))")
        }
        return u
    }
}
