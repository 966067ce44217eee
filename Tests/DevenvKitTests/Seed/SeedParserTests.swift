import Foundation
import Testing
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
        #expect(items[0].action == .postgres(database: "shop", gzip: false, transaction: true))
        #expect(items[1].action == .postgres(database: "shop", gzip: true, transaction: true))
        #expect(items[2].action == .postgres(database: "shop_test", gzip: false, transaction: false))
        #expect(items[3].action == .redis)
        #expect(items[4].action == .mongoImport(database: "myflow", collection: "users", jsonArray: true))
        #expect(items[5].action == .mongoImport(database: "myflow", collection: "events", jsonArray: false))
        #expect(items[6].action == .mongoScript(database: "myflow"))
        #expect(items[7].action == .minioObject(bucket: "uploads", key: "docs/a.txt"))
        #expect(items[7].target == "uploads/docs/a.txt")
        #expect(items[0].path == f.root + "/db/schema.sql")
        #expect(items[0].line == 9 && items[0].column == 7)
    }

    @Test func postgresDefaultsToTheServicesFirstDatabase() throws {
        let f = try SeedFixture("name: My-Shop\nservices:\n  postgres: {}\nseed:\n  postgres: [a.sql]\n", files: ["a.sql": ""])
        #expect(try f.items().first?.action == .postgres(database: "my_shop", gzip: false, transaction: true))
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
            "11:7: postgres seed 'db/notes.txt' must be a .sql or .sql.gz file",
            "12:35: database 'shop_tset' is not one of postgres's databases (shop, shop_test); did you mean 'shop_test'?; add it to services.postgres.databases",
            "13:7: a postgres seed written as a map needs 'file:', e.g. { file: db/seed.sql, database: app }",
            "14:25: unknown key 'transacton' in a postgres seed; did you mean 'transaction'?; expected one of: file, database, transaction",
            "15:11: seed file 'seeds/nope.redis' does not exist (looked for \(f.root)/seeds/nope.redis)",
            "17:5: 'users' must name db.collection for seeds/users.json, e.g. 'users.users'",
            "18:15: mongodb seed 'seeds/users.csv' must be a .json (array), .ndjson (one document per line) or .js (mongosh) file",
            "19:12: 'Uploads' is not a valid bucket name (3-63 lower-case letters, digits, '.' and '-')",
            "19:38: 'seeds/file.txt' must be a folder: each file in it becomes an object of bucket 'files'",
            "19:61: seed folder 'seeds/none/' does not exist (looked for \(f.root)/seeds/none)",
            "20:11: service 'qdrant' (an image) cannot be seeded; seeds work for postgres, redis, mongodb, minio",
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

    @Test func minioObjectsGetAContentType() {
        #expect(SeedAction.contentType(of: "img/logo.PNG") == "image/png")
        #expect(SeedAction.contentType(of: "data.json") == "application/json")
        #expect(SeedAction.contentType(of: "blob") == "application/octet-stream")
    }
}
