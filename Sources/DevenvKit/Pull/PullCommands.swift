import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec

/// The commands of a pull, as values. Every one runs inside the local service's container
/// (`docker exec`), whose image has psql and pg_dump, so the laptop needs no Postgres client
/// and the rows stream source → container → local database without passing through devenv.
/// The source's connection is given by name (`-e DEVENV_SRC_PASSWORD`, values in the docker
/// CLI's environment), never in an argv; every source session is read-only
/// (`default_transaction_read_only`), so each statement there runs in a read-only transaction.
public enum PullCommands {
    /// The source's connection, split from its URL.
    public struct Source: Sendable, Equatable {
        public var host: String, port: Int, user: String, password: String, database: String, sslmode: String
        public init(host: String, port: Int = 5432, user: String, password: String, database: String, sslmode: String = "prefer") {
            self.host = host; self.port = port; self.user = user; self.password = password; self.database = database; self.sslmode = sslmode
        }

        /// Nil unless `url` is a postgres URL with a host.
        public init?(url: String) {
            guard let u = ConnectionURL(url), ["postgres", "postgresql"].contains(u.scheme.lowercased()),
                  let host = u.hostNames.first, !host.isEmpty else { return nil }
            let user = (u.user.map { $0.removingPercentEncoding ?? $0 }).flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
            self.init(host: host, port: u.port ?? 5432, user: user, password: u.password.map { $0.removingPercentEncoding ?? $0 } ?? "",
                      database: u.firstPathSegment ?? user, sslmode: u.queryValue("sslmode") ?? "prefer")
        }

        var environment: [String: String] {
            ["DEVENV_SRC_HOST": host, "DEVENV_SRC_PORT": String(port), "DEVENV_SRC_USER": user,
             "DEVENV_SRC_PASSWORD": password, "DEVENV_SRC_DB": database, "DEVENV_SRC_SSLMODE": sslmode]
        }
    }

    /// `src CMD…` runs CMD against the source (read-only session); `dst ARGS…` is psql on the
    /// local server over its socket; `pipe A B` runs `A | B` and fails when either fails.
    static let prelude = """
        set -u
        src() { ( export PGHOST="$DEVENV_SRC_HOST" PGPORT="$DEVENV_SRC_PORT" PGUSER="$DEVENV_SRC_USER" PGPASSWORD="$DEVENV_SRC_PASSWORD" \
        PGDATABASE="$DEVENV_SRC_DB" PGSSLMODE="$DEVENV_SRC_SSLMODE" PGOPTIONS="-c default_transaction_read_only=on" PGAPPNAME=devenv-pull PGCONNECT_TIMEOUT=10; exec "$@" ); }
        dst() { psql -X -v ON_ERROR_STOP=1 -U "$DEVENV_DST_USER" "$@"; }
        tmp=$(mktemp -d) || exit 1
        trap 'rm -rf "$tmp"' EXIT

        """

    static func exec(container: String, source: Source, localUser: String, script: String, _ args: [String]) -> Command {
        var env = source.environment
        env["DEVENV_DST_USER"] = localUser
        var argv = ["exec", "-i"]
        for k in env.keys.sorted() { argv += ["-e", k] }
        return Compose.docker(argv + [container, "sh", "-c", prelude + script, "devenv-pull"] + args, environment: env)
    }

    /// The source's catalog (`PullCatalog.query`), tab-separated. Reads no row of any table.
    public static func catalog(container: String, source: Source, localUser: String) -> Command {
        exec(container: container, source: source, localUser: localUser,
             script: "src psql -X -q -At -F \"$(printf '\\t')\" -v ON_ERROR_STOP=1 -c \"$1\"", [PullCatalog.query])
    }

    /// Drops what an earlier pull left (`$1`, `$2`) and creates the database written (`$1`).
    public static func prepare(container: String, source: Source, localUser: String, admin: String, pulling: String, leftover: String) -> Command {
        exec(container: container, source: source, localUser: localUser,
             script: "dst -q -d \"$1\" -c \"$2\" -c \"$3\" -c \"$4\"",
             [admin, "DROP DATABASE IF EXISTS \(PullPlan.ident(pulling)) WITH (FORCE)", "DROP DATABASE IF EXISTS \(PullPlan.ident(leftover)) WITH (FORCE)",
              "CREATE DATABASE \(PullPlan.ident(pulling))"])
    }

    /// Every table in one consistent view of the source: a holder session opens a read-only
    /// REPEATABLE READ transaction and exports its snapshot; the schema (`pg_dump --snapshot`)
    /// and each table's masked `COPY` run in that snapshot, so rows and the rows they reference
    /// are read as of one moment. Arguments: the database written, then per table its name,
    /// `COPY (…) TO STDOUT` and `COPY … FROM STDIN`. Prints `devenv-table NAME ROWS BYTES` as
    /// each table is done; the holder ends with the script, however it ends.
    public static func copyAll(container: String, source: Source, localUser: String, plan: PullPlan, into database: String) -> Command {
        exec(container: container, source: source, localUser: localUser, script: """
            db=$1; shift
            mkfifo "$tmp/hold" || exit 1
            src psql -X -q -At -v ON_ERROR_STOP=1 < "$tmp/hold" > "$tmp/snap" 2> "$tmp/holderr" &
            holder=$!
            exec 3> "$tmp/hold"
            trap 'exec 3>&-; kill $holder 2>/dev/null; rm -rf "$tmp"' EXIT
            printf 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\nSELECT pg_export_snapshot();\n' >&3
            n=0
            until [ -s "$tmp/snap" ]; do
              if ! kill -0 $holder 2>/dev/null || [ $n -ge 600 ]; then cat "$tmp/holderr" >&2; exit 1; fi
              n=$((n + 1)); sleep 0.1
            done
            snap=$(head -n 1 "$tmp/snap")
            dump() {
              { src pg_dump --snapshot="$snap" --schema-only --section="$1" --no-owner --no-privileges --no-publications --no-subscriptions; echo $? > "$tmp/rc"; } \
              | dst -q -o /dev/null --single-transaction -d "$db" -f - || exit 1
              r=$(cat "$tmp/rc"); [ "$r" = 0 ] || exit "$r"
            }
            dump pre-data
            while [ $# -ge 3 ]; do
              { src psql -X -q -v ON_ERROR_STOP=1 -c "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" -c "SET TRANSACTION SNAPSHOT '$snap'" -c "$2" -c "COMMIT"
                echo $? > "$tmp/rc"; } | dd bs=1048576 2> "$tmp/dd" | dst -d "$db" -c "$3" > "$tmp/out" || exit 1
              r=$(cat "$tmp/rc"); [ "$r" = 0 ] || exit "$r"
              echo "devenv-table $1 $(cut -d ' ' -f 2 "$tmp/out") $(tail -n 1 "$tmp/dd" | cut -d ' ' -f 1)"
              shift 3
            done
            dump post-data
            echo "devenv-done"
            """, [database] + plan.steps.flatMap { [$0.table, $0.copyOut, $0.copyIn] })
    }

    /// The source's sequence values, as `setval` statements (read-only: `pg_sequences`). A
    /// sequence never called, or one the source's user may not read, prints nothing.
    public static let sourceSequencesSQL = """
        SELECT format('SELECT pg_catalog.setval(to_regclass(%1$L), %2$s, true) WHERE to_regclass(%1$L) IS NOT NULL;', \
        quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value) \
        FROM pg_sequences WHERE last_value IS NOT NULL AND schemaname NOT IN ('pg_catalog', 'information_schema')
        """

    /// Sets every ascending sequence past the largest value of the integer columns that use it —
    /// owned by a column (serial, identity) or named in a column's default (`DEFAULT
    /// nextval('invoice_seq')`, a sequence with no owner) — unless the source's value (set
    /// before) is already past it. A sequence no column uses keeps the source's value.
    public static let sequencesSQL = """
        DO $$DECLARE r record; m bigint; cur bigint; BEGIN FOR r IN \
        SELECT s.oid::regclass::text AS seq, array_agg(format('SELECT max(%s)::bigint FROM %s', quote_ident(a.attname), a.attrelid::regclass::text)) AS q \
        FROM pg_class s JOIN pg_sequence ps ON ps.seqrelid = s.oid AND ps.seqincrement > 0 \
        JOIN (SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS att FROM pg_depend d \
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
        UNION SELECT d.refobjid, ad.adrelid, ad.adnum FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid \
        WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass) u ON u.seq = s.oid \
        JOIN pg_attribute a ON a.attrelid = u.rel AND a.attnum = u.att AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) \
        WHERE s.relkind = 'S' GROUP BY s.oid LOOP \
        EXECUTE 'SELECT max(v) FROM (' || array_to_string(r.q, ' UNION ALL ') || ') x(v)' INTO m; \
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s', r.seq) INTO cur; \
        IF m IS NOT NULL AND m + 1 > cur THEN PERFORM setval(r.seq, m + 1, false); END IF; END LOOP; END$$
        """

    /// The source's sequence values (`sourceSequencesSQL`), then every sequence past the
    /// largest value pulled (`sequencesSQL`).
    public static func sequences(container: String, source: Source, localUser: String, database: String) -> Command {
        exec(container: container, source: source, localUser: localUser, script: """
            src psql -X -q -At -v ON_ERROR_STOP=1 -c "$2" > "$tmp/seq" || exit 1
            dst -q -o /dev/null -d "$1" -f "$tmp/seq" || exit 1
            dst -q -d "$1" -c "$3"
            """, [database, sourceSequencesSQL, sequencesSQL])
    }

    /// Swaps the pulled database in: in one statement the current one is renamed aside (its
    /// sessions ended) and the pulled one takes its name; then the old one is dropped.
    public static func swap(container: String, source: Source, localUser: String, admin: String, database: String, pulling: String, old: String) -> Command {
        let db = PullPlan.literal(database)
        let sql = """
            DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_database WHERE datname = \(db)) THEN \
            PERFORM pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = \(db) AND pid <> pg_backend_pid(); \
            ALTER DATABASE \(PullPlan.ident(database)) RENAME TO \(PullPlan.ident(old)); END IF; \
            ALTER DATABASE \(PullPlan.ident(pulling)) RENAME TO \(PullPlan.ident(database)); END$$
            """
        return exec(container: container, source: source, localUser: localUser, script: """
            n=0; until dst -q -o /dev/null -d "$1" -c "$2" 2> "$tmp/err"; do
              n=$((n + 1)); if [ $n -ge 10 ] || ! grep -q "being accessed by other users" "$tmp/err"; then cat "$tmp/err" >&2; exit 1; fi; sleep 1
            done
            dst -q -d "$1" -c "$3"
            """, [admin, sql, "DROP DATABASE IF EXISTS \(PullPlan.ident(old)) WITH (FORCE)"])
    }

    /// A query on the local server that reads nothing: whether it takes connections.
    public static func ping(container: String, source: Source, localUser: String) -> Command {
        exec(container: container, source: source, localUser: localUser, script: "dst -q -d template1 -o /dev/null -c 'SELECT 1'", [])
    }

    /// Drops the half-written database of a pull that failed.
    public static func discard(container: String, source: Source, localUser: String, admin: String, pulling: String) -> Command {
        exec(container: container, source: source, localUser: localUser, script: "dst -q -d \"$1\" -c \"$2\"",
             [admin, "DROP DATABASE IF EXISTS \(PullPlan.ident(pulling)) WITH (FORCE)"])
    }
}
