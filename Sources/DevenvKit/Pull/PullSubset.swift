import Foundation
import DevenvSpec

/// The subset that follows foreign keys: a table's rows are kept when they meet its `where:`
/// (and fall in its `limit:`), and every row they reference is kept too. A table whose parent
/// is cut (filtered, limited, skipped, or itself cut by its own parents) keeps only the rows
/// whose reference is NULL or points at a kept parent row — so every foreign key holds locally.
/// A table referencing itself is not cut by that reference (the rows it keeps are its own).
struct FilterBuilder {
    var spec: PullSpec
    var catalog: PullCatalog

    /// The conditions on `table`'s rows, each an SQL boolean over its own columns.
    func conditions(_ table: PullCatalog.Table, visiting: Set<String> = [], depth: Int = 0) -> [String] {
        var out: [String] = []
        let entry = spec.table(table.name)
        if let w = entry?.filter { out.append(w) }
        let seen = visiting.union([table.name])
        let me = PullPlan.qualified(table.name)
        for fk in table.foreignKeys where !seen.contains(fk.table) {
            guard let parent = catalog.table(fk.table), restricted(parent, visiting: seen) else { continue }
            let nulls = fk.columns.map { "\(me).\(PullPlan.ident($0)) IS NULL" }
            if spec.table(parent.name)?.skip == true { out.append(nulls.joined(separator: " OR ")); continue }
            let alias = "devenv_ref\(depth)"
            let match = zip(fk.refColumns, fk.columns).map { "\(alias).\(PullPlan.ident($0.0)) = \(me).\(PullPlan.ident($0.1))" }
            out.append((nulls + ["EXISTS (SELECT 1 FROM (\(kept(parent, visiting: seen, depth: depth + 1))) AS \(alias) WHERE \(match.joined(separator: " AND ")))"])
                .joined(separator: " OR "))
        }
        return out
    }

    /// Whether some of `table`'s rows are left out.
    func restricted(_ table: PullCatalog.Table, visiting: Set<String>) -> Bool {
        if let e = spec.table(table.name), e.skip || e.filter != nil || e.limit != nil { return true }
        let seen = visiting.union([table.name])
        return table.foreignKeys.contains { fk in
            !seen.contains(fk.table) && (catalog.table(fk.table).map { restricted($0, visiting: seen) } ?? false)
        }
    }

    /// `SELECT * FROM table WHERE …` of the rows kept.
    func kept(_ table: PullCatalog.Table, visiting: Set<String>, depth: Int) -> String {
        let me = PullPlan.qualified(table.name)
        var sql = "SELECT * FROM \(me)"
        let c = conditions(table, visiting: visiting, depth: depth)
        if !c.isEmpty { sql += " WHERE " + c.map { "(\($0))" }.joined(separator: " AND ") }
        if let limit = spec.table(table.name)?.limit { sql += orderBy(table) + " LIMIT \(limit)" }
        return sql
    }

    /// ` ORDER BY` the primary key (qualified, so masked output columns of the same name never
    /// take its place), so a limit keeps the same rows every time.
    func orderBy(_ table: PullCatalog.Table) -> String {
        let me = PullPlan.qualified(table.name)
        let keys = table.primaryKey
        return keys.isEmpty ? "" : " ORDER BY " + keys.map { "\(me).\(PullPlan.ident($0))" }.joined(separator: ", ")
    }
}
