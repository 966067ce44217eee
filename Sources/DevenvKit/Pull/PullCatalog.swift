import Foundation
import DevenvCore
import DevenvSpec

/// The source database's tables as its catalog describes them: columns and types, primary
/// keys, foreign keys. Read before any row (`query`), so the fail-closed check runs first.
public struct PullCatalog: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: String
        /// A generated column: computed again locally, never copied.
        public var generated: Bool = false
        public init(name: String, type: String, generated: Bool = false) { self.name = name; self.type = type; self.generated = generated }
    }
    public struct ForeignKey: Sendable, Equatable {
        public var columns: [String]
        public var table: String
        public var refColumns: [String]
        public init(columns: [String], table: String, refColumns: [String]) { self.columns = columns; self.table = table; self.refColumns = refColumns }
    }
    public struct Table: Sendable, Equatable {
        /// `schema.table`.
        public var name: String
        public var columns: [Column] = []
        public var primaryKey: [String] = []
        public var foreignKeys: [ForeignKey] = []
        public init(name: String, columns: [Column] = [], primaryKey: [String] = [], foreignKeys: [ForeignKey] = []) {
            self.name = name; self.columns = columns; self.primaryKey = primaryKey; self.foreignKeys = foreignKeys
        }
        public var copied: [Column] { columns.filter { !$0.generated } }
    }

    /// Tables in `schema.table` order.
    public var tables: [Table]
    public init(tables: [Table]) { self.tables = tables }

    public func table(_ name: String) -> Table? {
        let full = name.contains(".") ? name : "public." + name
        return tables.first { $0.name == full }
    }

    /// One query over pg_catalog; psql -At with tab separators prints one line per column (C),
    /// primary key (K) and foreign key (F).
    public static let query = """
        WITH t AS (SELECT c.oid, n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'), \
        cols AS (SELECT con.oid, string_agg(a.attname, ',' ORDER BY k.i) AS names FROM pg_constraint con \
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
        WHERE con.contype IN ('p', 'f') GROUP BY con.oid), \
        refs AS (SELECT con.oid, string_agg(a.attname, ',' ORDER BY k.i) AS names FROM pg_constraint con \
        CROSS JOIN LATERAL unnest(con.confkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
        WHERE con.contype = 'f' GROUP BY con.oid) \
        SELECT * FROM (\
        SELECT 'C' AS k, t.name, lpad(a.attnum::text, 5, '0') AS o, a.attname::text AS a, format_type(a.atttypid, a.atttypmod) AS b, (a.attgenerated <> '')::text AS c \
        FROM t JOIN pg_attribute a ON a.attrelid = t.oid WHERE a.attnum > 0 AND NOT a.attisdropped \
        UNION ALL SELECT 'K', t.name, '', cols.names, '', '' FROM t JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'p' JOIN cols ON cols.oid = con.oid \
        UNION ALL SELECT 'F', t.name, con.conname::text, cols.names, rn.nspname || '.' || rc.relname, refs.names \
        FROM t JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f' JOIN cols ON cols.oid = con.oid JOIN refs ON refs.oid = con.oid \
        JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace) x ORDER BY 2, 1, 3
        """

    /// Reads `query`'s output.
    public static func parse(_ text: String) -> PullCatalog {
        var tables: [String: Table] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6 else { continue }
            let name = f[1]
            if tables[name] == nil { tables[name] = Table(name: name); order.append(name) }
            switch f[0] {
            case "C": tables[name]!.columns.append(Column(name: f[3], type: f[4], generated: f[5] == "true"))
            case "K": tables[name]!.primaryKey = f[3].split(separator: ",").map(String.init)
            case "F": tables[name]!.foreignKeys.append(ForeignKey(columns: f[3].split(separator: ",").map(String.init), table: f[4],
                                                                  refColumns: f[5].split(separator: ",").map(String.init)))
            default: break
            }
        }
        return PullCatalog(tables: order.sorted().compactMap { tables[$0] })
    }
}
