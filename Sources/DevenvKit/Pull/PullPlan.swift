import Foundation
import DevenvCore
import DevenvSpec

/// What one pull reads, as a value: per source table the masked SELECT that `COPY (…) TO STDOUT`
/// runs on the source, and the column list the local `COPY … FROM STDIN` takes. Built from
/// the manifest's `pull:` entry, the kind's `pull.yml` and the source's catalog; pure.
public struct PullPlan: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        /// `schema.table`.
        public var table: String
        public var select: String
        public var columns: [String]
        /// Columns computed on the source (not `keep`), with their rule, for `--dry-run`.
        public var masked: [(column: String, rule: String)]
        /// The conditions rows must meet (where:, and the rows they reference kept), for `--dry-run`.
        public var conditions: [String]
        public var limit: Int?

        public static func == (a: Step, b: Step) -> Bool { a.table == b.table && a.select == b.select && a.columns == b.columns }

        /// The source side: `COPY (SELECT …) TO STDOUT`.
        public var copyOut: String { "COPY (\(select)) TO STDOUT" }
        /// The local side.
        public var copyIn: String { "COPY \(PullPlan.qualified(table)) (\(columns.map(PullPlan.ident).joined(separator: ", "))) FROM STDIN" }
    }
    public var steps: [Step]
    /// Tables whose rows are not read (`skip`): their schema still comes over, empty.
    public var skipped: [String]

    /// A column that looks personal and has no rule: the pull stops before any row is read.
    public struct Unruled: Sendable, Equatable {
        public var table: String, column: String, type: String, suggested: String
    }

    /// Every problem stopping the pull, collected: personal columns without a rule, and names
    /// in devenv.yml that the source does not have.
    public struct Refusal: Error, Sendable, Equatable {
        public var unruled: [Unruled] = []
        public var unknown: [ManifestProblem] = []
    }

    public static func make(_ spec: PullSpec, catalog: PullCatalog, rules: PullRules) throws(Refusal) -> PullPlan {
        var refusal = Refusal()
        let tableNames = catalog.tables.map { $0.name.hasPrefix("public.") ? String($0.name.dropFirst(7)) : $0.name }
        for t in spec.tables {
            guard let table = catalog.table(t.name) else {
                refusal.unknown.append(ManifestProblem(line: t.line, column: t.column, "the source has no table '\(t.name)'\(Suggest.hint(t.name, among: tableNames))"))
                continue
            }
            for c in t.columns where !table.columns.contains(where: { $0.name == c.name }) {
                refusal.unknown.append(ManifestProblem(line: c.line, column: c.column,
                    "table '\(t.name)' on the source has no column '\(c.name)'\(Suggest.hint(c.name, among: table.columns.map(\.name)))"))
            }
        }
        var steps: [Step] = [], skipped: [String] = []
        let builder = FilterBuilder(spec: spec, catalog: catalog)
        for table in catalog.tables {
            let entry = spec.table(table.name)
            if entry?.skip == true { skipped.append(table.name); continue }
            var exprs: [String] = [], masked: [(String, String)] = []
            for c in table.copied {
                let rule: ColumnRule
                if let r = entry?.rule(for: c.name) { rule = r }
                else if let suggested = rules.personal(column: c.name, type: c.type) {
                    refusal.unruled.append(Unruled(table: table.name, column: c.name, type: c.type, suggested: suggested)); continue
                } else { rule = .keep }
                exprs.append(expression(rule, column: c, salt: spec.salt, rules: rules))
                if rule != .keep { masked.append((c.name, rule.description)) }
            }
            let conditions = builder.conditions(table)
            let from = qualified(table.name)
            var select = "SELECT \(exprs.joined(separator: ", ")) FROM \(from)"
            if !conditions.isEmpty { select += " WHERE " + conditions.map { "(\($0))" }.joined(separator: " AND ") }
            if let limit = entry?.limit { select += builder.orderBy(table) + " LIMIT \(limit)" }
            steps.append(Step(table: table.name, select: select, columns: table.copied.map(\.name), masked: masked,
                              conditions: conditions, limit: entry?.limit))
        }
        guard refusal.unruled.isEmpty, refusal.unknown.isEmpty else { throw refusal }
        return PullPlan(steps: steps, skipped: skipped)
    }

    /// The SQL computing one column on the source, from the kind's rule table.
    public static func expression(_ rule: ColumnRule, column: PullCatalog.Column, salt: String, rules: PullRules) -> String {
        let col = ident(column.name)
        let body: String
        switch rule {
        case .named("keep"): return col
        case .named(let name):
            body = (rules.rules[name] ?? "NULL").replacingOccurrences(of: "{{column}}", with: col).replacingOccurrences(of: "{{salt}}", with: literal(salt))
        case .value(let v): body = literal(v)
        case .sql(let s): body = s
        }
        return "CAST((\(body)) AS \(column.type)) AS \(col)"
    }

    /// `"name"`, quotes doubled.
    public static func ident(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    /// `'text'`, quotes doubled.
    public static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    /// `"schema"."table"` from `schema.table`.
    public static func qualified(_ name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        return parts.count == 2 ? ident(parts[0]) + "." + ident(parts[1]) : ident("public") + "." + ident(name)
    }
}
