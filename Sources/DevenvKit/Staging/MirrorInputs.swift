import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The local stack's side of the mapping: what each backing service answers to on this
/// machine. Built by the caller from the stack plan; nil services are not in `devenv.yml`.
public struct LocalServices: Sendable, Equatable {
    public struct Postgres: Sendable, Equatable {
        /// `postgres://user:password@127.0.0.1:PORT/db`.
        public var url: String
        /// Databases the manifest creates; the first is the default.
        public var databases: [String]
        public init(url: String, databases: [String] = []) { self.url = url; self.databases = databases }
    }
    public struct MongoDB: Sendable, Equatable {
        /// `mongodb://user:password@127.0.0.1:PORT/db?authSource=admin`.
        public var url: String
        /// Databases the project uses locally (seeds, the URL's own); the first is the default.
        public var databases: [String]
        public init(url: String, databases: [String] = []) { self.url = url; self.databases = databases }
    }
    public struct Redis: Sendable, Equatable {
        /// `redis://:password@127.0.0.1:PORT/0`.
        public var url: String
        public init(url: String) { self.url = url }
    }
    public struct S3: Sendable, Equatable {
        /// `http://127.0.0.1:PORT` (MinIO).
        public var endpoint: String
        public var accessKey: String
        public var secretKey: String
        public var region: String
        /// Buckets the manifest creates; the first is the default.
        public var buckets: [String]
        public init(endpoint: String, accessKey: String, secretKey: String, region: String = "us-east-1", buckets: [String] = []) {
            self.endpoint = endpoint; self.accessKey = accessKey; self.secretKey = secretKey; self.region = region; self.buckets = buckets
        }
    }

    public var postgres: Postgres?
    public var mongodb: MongoDB?
    public var redis: Redis?
    public var s3: S3?
    /// Which URL schemes mean which of these (from the kinds' `mirror.schemes`).
    public var vocabulary: MirrorVocabulary

    public init(postgres: Postgres? = nil, mongodb: MongoDB? = nil, redis: Redis? = nil, s3: S3? = nil,
                vocabulary: MirrorVocabulary = MirrorVocabulary()) {
        self.postgres = postgres; self.mongodb = mongodb; self.redis = redis; self.s3 = s3; self.vocabulary = vocabulary
    }
}
