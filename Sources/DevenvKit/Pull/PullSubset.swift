import Foundation
import DevenvSpec

/// The subset that follows foreign keys: a table's rows are kept when they meet its `where:`
/// (and fall in its `limit:`), and every row they reference is kept too. A table whose parent
/// is cut (filtered, limited, skipped, or itself cut by its own parents) keeps only the rows
/// whose reference is NULL or points at a kept parent row — so every foreign key holds locally.
/// A table referencing itself (`reply_to → comments.id`) that is cut keeps the largest part of
/// those rows closed under that reference: a row whose referenced row is not kept is cut, and
/// so, in turn, is every row referencing it (`selfCut`).
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
        // The cut's rows meet every condition above already: they are not evaluated twice.
        if let cut = selfCut(table, base: out, visiting: visiting, depth: depth) { return [cut] }
        return out
    }

    /// For a cut table with foreign keys to itself: its row is kept when it is among the rows
    /// meeting `base` (and the limit) and no chain of its self-references leads to a row outside
    /// them. One recursive query finds the rows to cut — those whose reference dangles, then the
    /// rows referencing a cut row — and the condition keeps the others (by `ctid`, which is
    /// stable inside the pull's one snapshot). Rows in a cycle wholly kept stay.
    func selfCut(_ table: PullCatalog.Table, base: [String], visiting: Set<String>, depth: Int) -> String? {
        let own = table.foreignKeys.filter { $0.table == table.name }
        guard !own.isEmpty, restricted(table, visiting: visiting) else { return nil }
        let me = PullPlan.qualified(table.name)
        let baseName = "devenv_base\(depth)", cutName = "devenv_cut\(depth)"
        var rows = "SELECT ctid AS devenv_tid, * FROM \(me)"
        if !base.isEmpty { rows += " WHERE " + base.map { "(\($0))" }.joined(separator: " AND ") }
        if let limit = spec.table(table.name)?.limit { rows += orderBy(table) + " LIMIT \(limit)" }
        var refs: [String] = []
        for fk in own { for c in fk.refColumns where !refs.contains(c) { refs.append(c) } }
        let carried = (["devenv_tid"] + refs.map(PullPlan.ident)).map { "b.\($0)" }.joined(separator: ", ")
        let dangling = own.map { fk in
            let set = fk.columns.map { "b.\(PullPlan.ident($0)) IS NOT NULL" }
            let match = zip(fk.refColumns, fk.columns).map { "p.\(PullPlan.ident($0.0)) = b.\(PullPlan.ident($0.1))" }
            return "(" + (set + ["NOT EXISTS (SELECT 1 FROM \(baseName) p WHERE \(match.joined(separator: " AND ")))"]).joined(separator: " AND ") + ")"
        }
        let pointsAtCut = own.map { fk in
            "(" + zip(fk.refColumns, fk.columns).map { "c.\(PullPlan.ident($0.0)) = b.\(PullPlan.ident($0.1))" }.joined(separator: " AND ") + ")"
        }
        return "\(me).ctid IN (WITH RECURSIVE \(baseName) AS (\(rows)), "
            + "\(cutName) AS (SELECT \(carried) FROM \(baseName) b WHERE \(dangling.joined(separator: " OR ")) "
            + "UNION SELECT \(carried) FROM \(baseName) b JOIN \(cutName) c ON \(pointsAtCut.joined(separator: " OR "))) "
            + "SELECT devenv_tid FROM \(baseName) EXCEPT SELECT devenv_tid FROM \(cutName))"
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
