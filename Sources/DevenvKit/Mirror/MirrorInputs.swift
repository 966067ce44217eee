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

/// What a secret becomes locally when it is not kept.
public enum SecretHandling: String, Sendable, CaseIterable {
    /// `__SET_ME__NAME`: the key is there, the app fails loudly until someone sets it.
    case placeholder
    /// Left out of the local files.
    case omit
}

/// The team's rules for mirroring (`staging:` in `devenv.yml` besides `from:`).
///
/// Precedence, first match wins: `override` → `keep` → infrastructure → secret → `rewrite` → copy.
/// Name lists accept `*` as a wildcard (`STRIPE_*`).
public struct MirrorRules: Sendable, Equatable {
    /// Keys whose staging value is copied even though they are secrets (`keep:`).
    public var keep: [String]
    /// Keys that are secrets whatever their name (`secret:`).
    public var secret: [String]
    /// Local values that always win (`override:`), in manifest order.
    public var override: [(key: String, value: String)]
    /// Staging host (`host` or `host:port`) → local `host:port` or `scheme://host:port` (`rewrite:`).
    public var rewrite: [String: String]
    public var secrets: SecretHandling

    public init(keep: [String] = [], secret: [String] = [], override: [(key: String, value: String)] = [],
                rewrite: [String: String] = [:], secrets: SecretHandling = .placeholder) {
        self.keep = keep; self.secret = secret; self.override = override; self.rewrite = rewrite; self.secrets = secrets
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.keep == b.keep && a.secret == b.secret && a.rewrite == b.rewrite && a.secrets == b.secrets
            && a.override.map(\.key) == b.override.map(\.key) && a.override.map(\.value) == b.override.map(\.value)
    }

    public func isKept(_ key: String) -> Bool { keep.contains { KeyPattern.matches($0, key) } }
    public func isListedSecret(_ key: String) -> Bool { secret.contains { KeyPattern.matches($0, key) } }
    public func overrideValue(_ key: String) -> String? { override.last { $0.key == key }?.value }
}

