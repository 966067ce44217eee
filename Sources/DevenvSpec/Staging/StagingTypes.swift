import Foundation
import DevenvCore

// The typed parts of `staging:` that devenv.yml states (what the mirror stage runs and how it
// maps values stays in DevenvKit/Mirror): read once, when the manifest loads.

/// The text formats a `file:` or `command:` source may print. JSON covers an object of
/// names to values and an array of `{key, value}` / `{name, value}` entries.
public enum StagingFormat: String, Sendable, CaseIterable {
    case json, yaml, dotenv
}

/// Where staging's config comes from (`staging.from` in `devenv.yml`).
public enum StagingSource: Sendable, Equatable {
    /// A file in dotenv, JSON or YAML; format detected when nil.
    case file(path: String, format: StagingFormat?)
    /// A command whose stdout is parsed; format detected when nil.
    case command(argv: [String], format: StagingFormat?)
    /// A provider CLI the team already has, built from a few settings, plus extra args.
    case preset(name: StagingPreset, settings: [String: String], extraArgs: [String])
}

/// The provider CLIs devenv knows. Every call is read-only. The settings devenv.yml may give
/// each are here; what each one runs and reads is data too: one `PresetSpec` per preset in
/// `PresetSpec.table` (DevenvKit/Mirror/Presets.swift).
public enum StagingPreset: String, Sendable, CaseIterable {
    case vercel, railway, fly, doppler, heroku, render
    case awsSSM = "aws-ssm"
    case awsSecretsManager = "aws-secrets-manager"
    case infisical

    /// The settings devenv.yml may give under `staging.from` (the preset's command reads them).
    public var settings: [PresetSetting] {
        switch self {
        case .vercel: [.init("environment", default: "preview"), .init("branch"), .init("scope"), .init("project")]
        case .railway: [.init("environment", default: "staging"), .init("service")]
        case .fly: [.init("app"), .init("config")]
        case .doppler: [.init("project"), .init("config", default: "stg")]
        case .heroku: [.init("app")]
        case .render: [.init("service", required: true)]
        case .awsSSM: [.init("path", required: true), .init("region"), .init("profile"), .init("endpoint")]
        case .awsSecretsManager: [.init("secret", required: true), .init("region"), .init("profile"), .init("endpoint")]
        case .infisical: [.init("environment", default: "staging"), .init("project"), .init("path")]
        }
    }

    /// Settings the preset reads, with their defaults (nil: no default; the CLI's own link or config applies).
    public var settingDefaults: [(name: String, default: String?)] { settings.map { ($0.name, $0.default) } }

    /// Settings that must be given.
    public var requiredSettings: [String] { settings.filter(\.required).map(\.name) }
}

/// One setting of a preset: its name, default and whether devenv.yml must give it.
public struct PresetSetting: Sendable {
    public var name: String
    public var `default`: String?
    public var required: Bool
    public init(_ name: String, default value: String? = nil, required: Bool = false) {
        self.name = name; self.default = value; self.required = required
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
