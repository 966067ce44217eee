import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct SeedParserTests {
    @Test func readsEveryKindInManifestOrder() throws {
        let f = try SeedFixture("""
        name: shop
        services:
          postgres: { version: "16", databases: [shop, shop_test] }
          redis: {}
          mongodb: {}
          minio: { buckets: [uploads] }
        seed:
          postgres:
            - db/schema.sql
            - db/seed.sql.gz
            - { file: db/test.sql, database: shop_test, transaction: false }
          redis: seeds/cache.redis
          mongodb:
            myflow.users: seeds/users.json
            myflow.events: [seeds/events.ndjson]
            myflow: seeds/indexes.js
          minio: { uploads: seeds/uploads/ }
        """, files: [
            "db/schema.sql": "", "db/seed.sql.gz": "", "db/test.sql": "", "seeds/cache.redis": "",
            "seeds/users.json": "[]", "seeds/events.ndjson": "", "seeds/indexes.js": "",
            "seeds/uploads/logo.png": "png", "seeds/uploads/docs/a.txt": "a", "seeds/uploads/.DS_Store": "x",
        ])
        let items = try f.items()
        #expect(items.map(\.file) == ["db/schema.sql", "db/seed.sql.gz", "db/test.sql", "seeds/cache.redis",
                                      "seeds/users.json", "seeds/events.ndjson", "seeds/indexes.js",
                                      "seeds/uploads/docs/a.txt", "seeds/uploads/logo.png"])
        let formats = try items.map { try f.format($0) }
        #expect(formats == ["*.sql", "*.sql.gz", "*.sql", "*", "*.json", "*.ndjson", "*.js", "*", "*"])
        #expect(items.map(\.target) == ["shop", "shop", "shop_test", "redis", "myflow.users", "myflow.events", "myflow",
                                        "uploads/docs/a.txt", "uploads/logo.png"])
        #expect(items[0].values["transaction"] == .bool(true) && items[2].values["transaction"] == .bool(false))
        #expect(items[4].values["collection"] == .string("users") && items[6].values["collection"] == nil)
        #expect(items[7].values["bucket"] == .string("uploads") && items[7].values["key"] == .string("docs/a.txt"))
        #expect(items[0].path == f.root + "/db/schema.sql")
        #expect(items[0].line == 9 && items[0].column == 7)
    }

    @Test func postgresDefaultsToTheServicesFirstDatabase() throws {
        let f = try SeedFixture("name: My-Shop\nservices:\n  postgres: {}\nseed:\n  postgres: [a.sql]\n", files: ["a.sql": ""])
        #expect(try f.items().first?.target == "my_shop")
        #expect(try f.items().first?.values["database"] == .string("my_shop"))
    }

    @Test func everyProblemNamesLineAndColumn() throws {
        let f = try SeedFixture("""
        name: shop
        services:
          postgres: { databases: [shop, shop_test] }
          redis: {}
          mongodb: {}
          minio: {}
          qdrant: { image: "qdrant/qdrant:v1", ports: { http: 6333 } }
        seed:
          postgres:
            - db/missing.sql
            - db/notes.txt
            - { file: db/a.sql, database: shop_tset }
            - { database: shop }
            - { file: db/a.sql, transacton: false }
          redis: [seeds/nope.redis]
          mongodb:
            users: seeds/users.json
            myflow.x: seeds/users.csv
          minio: { Uploads: seeds/up, files: seeds/file.txt, other: seeds/none/ }
          qdrant: [x.json]
        """, files: ["db/notes.txt": "", "db/a.sql": "", "seeds/users.json": "[]", "seeds/users.csv": "", "seeds/up/a": "", "seeds/file.txt": ""])
        let p = f.problems()
        let expected = [
            "10:7: seed file 'db/missing.sql' does not exist (looked for \(f.root)/db/missing.sql)",
            "11:7: postgres seed 'db/notes.txt' must be a .sql.gz or .sql file",
            "12:35: database 'shop_tset' is not one of postgres's databases (shop, shop_test); did you mean 'shop_test'?; add it to services.postgres.databases",
            "13:7: a postgres seed written as a map needs 'file:', e.g. { file: seeds/data.sql, database: … }",
            "14:25: unknown key 'transacton' in a postgres seed; did you mean 'transaction'?; expected one of: file, database, transaction",
            "15:11: seed file 'seeds/nope.redis' does not exist (looked for \(f.root)/seeds/nope.redis)",
            "17:5: 'users' has no collection for seeds/users.json (db.collection for .json and .ndjson files, db for .js files)",
            "18:15: mongodb seed 'seeds/users.csv' must be a .json, .ndjson, .jsonl or .js file",
            "19:12: 'Uploads' is not a valid minio seed key (a bucket name: 3-63 lower-case letters, digits, '.' and '-')",
            "19:38: 'seeds/file.txt' must be a folder: each file in it is one seed of 'files'",
            "19:61: seed folder 'seeds/none/' does not exist (looked for \(f.root)/seeds/none)",
            "20:11: service 'qdrant' (an image) cannot be seeded; seeds work for clickhouse, mariadb, minio, mongodb, mysql, postgres, redis, rustfs, valkey",
        ]
        for e in expected { #expect(p.contains(e), "missing: \(e)\ngot:\n\(p.joined(separator: "\n"))") }
        #expect(p.count == expected.count, "\(p.joined(separator: "\n"))")
    }

    @Test func wrongShapesAreReported() throws {
        let f = try SeedFixture("""
        name: shop
        services: { mongodb: {}, minio: {} }
        seed:
          mongodb: [seeds/users.json]
          minio: seeds/uploads/
        """, files: [:])
        let p = f.problems()
        #expect(p.contains { $0.hasPrefix("4:12: seeds for 'mongodb' must be a map") })
        #expect(p.contains { $0.hasPrefix("5:10: seeds for 'minio' must be a map, e.g. { uploads: seeds/uploads/ }") })
    }

    @Test func problemsBecomeAUsageErrorNamingTheManifest() throws {
        let f = try SeedFixture("name: shop\nservices: { redis: {} }\nseed:\n  redis: [gone.redis]\n", files: [:])
        do { _ = try f.items(); Issue.record("expected an error") }
        catch let e as DevenvError {
            #expect(e.exitCode == .usage)
            #expect(e.details.first?.contains("devenv.yml:4:11: seed file 'gone.redis' does not exist") == true)
        }
    }

    @Test func objectsGetAContentType() {
        #expect(SeedItem.contentType(of: "img/logo.PNG") == "image/png")
        #expect(SeedItem.contentType(of: "data.json") == "application/json")
        #expect(SeedItem.contentType(of: "blob") == "application/octet-stream")
    }
}
