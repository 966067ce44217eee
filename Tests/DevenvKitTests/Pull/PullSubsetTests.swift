import Foundation
import Testing
@testable import DevenvSpec
@testable import DevenvKit

/// The subset a pull keeps when a table references itself, and the sequence statements: the
/// SQL's shape here; PullTests runs it against a real staging Postgres.
@Suite struct PullSubsetTests {
    static let catalog = PullCatalog(tables: [
        .init(name: "public.comments", columns: [.init(name: "id", type: "integer"), .init(name: "user_id", type: "integer"), .init(name: "reply_to", type: "integer")],
              primaryKey: ["id"], foreignKeys: [.init(columns: ["user_id"], table: "public.users", refColumns: ["id"]),
                                                .init(columns: ["reply_to"], table: "public.comments", refColumns: ["id"])]),
        .init(name: "public.users", columns: [.init(name: "id", type: "integer"), .init(name: "mentor", type: "integer")],
              primaryKey: ["id"], foreignKeys: [.init(columns: ["mentor"], table: "public.users", refColumns: ["id"])]),
    ])

    static func plan(_ tables: [PullTable]) throws -> PullPlan {
        try PullPlan.make(PullPlanTests.spec(tables), catalog: catalog, rules: PullPlanTests.rules)
    }

    @Test func aCutTableReferencingItselfKeepsOnlyRowsWhoseChainIsKept() throws {
        let plan = try Self.plan([PullTable(name: "users", filter: "id <= 5000")])
        let comments = try #require(plan.steps.first { $0.table == "public.comments" })
        // Cut by its parent (users), so by its own reference too: the rows meeting the parent's
        // condition, less those whose reply_to chain leaves them.
        #expect(comments.select.hasPrefix("SELECT \"id\", \"user_id\", \"reply_to\" FROM \"public\".\"comments\" WHERE (\"public\".\"comments\".ctid IN (WITH RECURSIVE devenv_base0 AS "
                                          + "(SELECT ctid AS devenv_tid, * FROM \"public\".\"comments\" WHERE (\"public\".\"comments\".\"user_id\" IS NULL OR EXISTS"), "the cut alone: its rows meet the rest already")
        #expect(comments.select.contains("devenv_cut0 AS (SELECT b.devenv_tid, b.\"id\" FROM devenv_base0 b WHERE (b.\"reply_to\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM devenv_base0 p WHERE p.\"id\" = b.\"reply_to\")) "
                                         + "UNION SELECT b.devenv_tid, b.\"id\" FROM devenv_base0 b JOIN devenv_cut0 c ON (c.\"id\" = b.\"reply_to\")) "
                                         + "SELECT devenv_tid FROM devenv_base0 EXCEPT SELECT devenv_tid FROM devenv_cut0)"))
        // users is cut by its own filter: its mentor chain too, and orders of comments see the same set.
        let users = try #require(plan.steps.first { $0.table == "public.users" })
        #expect(users.select.contains("WHERE (\"public\".\"users\".ctid IN (WITH RECURSIVE devenv_base0 AS (SELECT ctid AS devenv_tid, * FROM \"public\".\"users\" WHERE (id <= 5000))"))
        #expect(comments.select.contains("(SELECT * FROM \"public\".\"users\" WHERE (\"public\".\"users\".ctid IN (WITH RECURSIVE devenv_base1 AS"),
                "a child sees its parent's rows after the parent's own cut")
    }

    @Test func aLimitIsInsideTheCutAndAnUncutTableIsLeftWhole() throws {
        let limited = try Self.plan([PullTable(name: "users", limit: 10)])
        let users = try #require(limited.steps.first { $0.table == "public.users" })
        #expect(users.select.contains("devenv_base0 AS (SELECT ctid AS devenv_tid, * FROM \"public\".\"users\" ORDER BY \"public\".\"users\".\"id\" LIMIT 10)"))
        #expect(users.select.hasSuffix("ORDER BY \"public\".\"users\".\"id\" LIMIT 10"))
        let whole = try Self.plan([])
        #expect(whole.steps.allSatisfy { !$0.select.contains("WHERE") }, "every row kept: every reference holds, nothing to cut")
    }

    @Test func sequencesWithoutAnOwnerAreSetToo() {
        let sql = PullCommands.sequencesSQL
        #expect(sql.contains("'pg_attrdef'::regclass"), "sequences named in a column's default")
        #expect(sql.contains("d.deptype IN ('a', 'i')"), "sequences owned by a column")
        #expect(PullCommands.sourceSequencesSQL.contains("FROM pg_sequences"), "the source's values first")
    }
}
