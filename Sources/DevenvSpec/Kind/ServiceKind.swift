import Foundation
import DevenvCore

/// A service kind from `templates/services/<kind>/`: everything devenv knows about it, read
/// from its `service.yml` (validated by `KindLoader`) and its compose fragment `compose.yml`.
/// No Swift code names a kind: adding a kind is adding a folder (templates/README.md).
public struct ServiceKind: Sendable {
    public var name: String
    public var folder: String
    public var description: String
    public var image: String
    /// The pinned default tag.
    public var version: String
    /// Named container ports; the main one first.
    public var ports: [KindPort]
    /// Where the named data volume `<service>-data` is mounted; nil: no data volume.
    public var dataPath: String?
    public var settings: [KindSetting]
    /// Random secrets per stack.
    public var secrets: [KindSecret]
    /// Template keys exported to `env:` templates, rendered in order.
    public var values: [TemplateEntry]
    public var probe: KindProbe
    /// The root `.env` keys when the manifest has no `env:`.
    public var dotenv: [TemplateEntry]
    public var setup: [SetupStep]
    /// Nil: services of this kind cannot be seeded.
    public var seed: SeedSchema?
    /// How a branch stack copies a running parent's data; nil: stop and copy the volumes.
    public var copy: CopySchema?
    /// How a branch gets its parent's data as a writable layer on a read-only base
    /// (`copy.layered`); nil: the branch copies (`copy`).
    public var layered: LayeredSchema? = nil
    /// How a branch's copy of its parent's data takes the branch's own secrets; nil: it
    /// cannot, so the branch keeps its parent's for this service (and `up` says so).
    public var rotate: RotateSchema? = nil
    public var mirror: MirrorHints?
    public var initHints: InitHints?
    /// `compose.yml` as written: the compose service, each value a Mustache template.
    public var composeFragment: String
    /// `compose.yml` parsed when the kind loaded: what the renderer renders.
    public var compose = ComposeFragment()
    /// Log lines (substrings, Mustache templates) meaning the service cannot start from its
    /// data folder as it is — e.g. a first start that was cut short (`damaged_data:`).
    public var damagedData: [String] = []
    /// `upgrade:`: how the data's version is read and moved to a newer major; nil: no check.
    public var upgrade: UpgradeSchema?
    /// The templates of `service.yml`, compiled when the kind loaded (`compose` keeps its own).
    public var templates = CompiledTemplates()

    /// One of the kind's templates rendered against `context`, from its compiled form.
    public func render(_ template: String, _ context: [String: Any]) throws -> String {
        try templates.render(template, context)
    }

    public var mainPort: KindPort? { ports.first { $0.name == "main" } ?? ports.first }
    public func setting(_ name: String) -> KindSetting? { settings.first { $0.name == name } }
    public var serviceYAML: String { folder + "/service.yml" }
}

public struct KindPort: Sendable, Equatable {
    public var name: String
    public var container: Int
}

public struct KindSecret: Sendable, Equatable {
    public var name: String
    public var length: Int
}

/// A setting a kind accepts in `devenv.yml` (`databases: [a, b]`), with its type and default.
public struct KindSetting: Sendable, Equatable {
    public enum ValueType: String, Sendable, CaseIterable { case string, int, bool, list }

    public var name: String
    public var type: ValueType
    public var describe: String?
    /// A regular expression the whole value (or each list item) must match.
    public var pattern: String?
    /// What `pattern` means, for messages.
    public var patternDescription: String?
    public var choices: [String] = []
    public var min: Int?
    public var max: Int?
    /// Rendered against the base context when the manifest does not set it.
    public var defaultValue: SettingValue?
}

/// A setting's value, from the manifest or the kind's default.
public enum SettingValue: Sendable, Equatable {
    case string(String), int(Int), bool(Bool), list([String])

    /// The value as a Mustache context value.
    public var templateValue: Any {
        switch self {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .bool(let b): return b
        case .list(let l): return l
        }
    }

    public var strings: [String] {
        switch self {
        case .string(let s): return [s]
        case .int(let n): return [String(n)]
        case .bool(let b): return [String(b)]
        case .list(let l): return l
        }
    }
}

/// `probe:`: a protocol from the fixed probe set, with templated parameters.
public struct KindProbe: Sendable, Equatable {
    public var type: ProbeType
    public var parameters: [String: String]
    /// The port it is spoken on (a port name); nil: the main port.
    public var port: String?
}

/// A step run in the container after the service started and answered (`compose exec`).
public struct SetupStep: Sendable, Equatable {
    /// A context key that must be non-empty for the step to run.
    public var when: String?
    /// A list setting: the step runs once per item, with the item as `{{item}}` (one bucket,
    /// one database per command); nil: once.
    public var each: String?
    public var run: [String]
    /// Run in a throwaway container of this image on the stack's network instead.
    public var tool: ToolImage?

    public init(when: String? = nil, each: String? = nil, run: [String], tool: ToolImage? = nil) {
        self.when = when; self.each = each; self.run = run; self.tool = tool
    }
}

/// A throwaway container of another image, on the stack's network, for tools the service's
/// own image lacks (an S3 client for an S3 server). Its `env` values are passed by name only.
public struct ToolImage: Sendable, Equatable {
    public var image: String
    public var env: [TemplateEntry]
}

/// `seed:`: which files seed a service of this kind, and how each is applied.
public struct SeedSchema: Sendable, Equatable {
    public enum Entries: String, Sendable { case list, map }

    public var entries: Entries
    /// Map form: a regular expression each key must match; its named groups become `{{seed.NAME}}`.
    public var keyPattern: String?
    public var keyDescription: String?
    /// List form: what a `{ file: …, OPTION: … }` entry may say.
    public var options: [SeedOption]
    /// Map form: a value may be a folder (one seed per file in it).
    public var folders: Bool
    /// What the ledger and messages call the destination (a template).
    public var target: String
    public var once: SeedOnce?
    public var formats: [SeedFormat]
    public var tool: ToolImage?
}

public struct SeedOption: Sendable, Equatable {
    public enum ValueType: String, Sendable, CaseIterable { case string, bool }
    public var name: String
    public var type: ValueType
    public var defaultValue: String?
    /// The value must be one of this setting's values.
    public var oneOf: String?
}

public struct SeedOnce: Sendable, Equatable {
    public var per: String
    public var run: [String]
}

public struct SeedFormat: Sendable, Equatable {
    /// File-name globs (`*.sql.gz`).
    public var match: [String]
    /// Key groups that must be present.
    public var needs: [String]
    public var run: [String]

    public func matches(_ fileName: String) -> Bool { match.contains { KeyPattern.matches($0, fileName) } }
}

/// `copy:`: a live copy from a running parent into the new branch's volume.
public struct CopySchema: Sendable, Equatable {
    public var run: [String]
    public var env: [TemplateEntry]
}

/// `copy.layered:`: a base taken live from the running parent (`base`, run like `copy.live`
/// with the base volume at /target), and what names the parent's present state (`current`:
/// its stdout; a base taken when it printed the same is reused).
public struct LayeredSchema: Sendable, Equatable {
    public var base: CopySchema
    public var current: CopySchema?
    /// How a base that is behind its parent is brought forward in a new branch (nil: a base is
    /// reused only while `current` prints what it printed when the base was taken).
    public var catchup: CatchUpSchema? = nil
}

/// `copy.layered.catchup:` (templates/README.md, "Layered branches"): each base holds an
/// **anchor** in the parent (`anchor`, its name, rendered with `{{base.id}}`), which keeps what
/// the parent wrote since the base was taken. `anchors` prints the parent's anchors, one per line
/// (`NAME BYTES`, the bytes written since, or `NAME lost`); `release` releases those named after
/// its argv; `run` brings a new branch's data (`{{data}}`) forward to the parent's present.
public struct CatchUpSchema: Sendable, Equatable {
    public var anchor: String
    public var anchors: CopySchema
    public var release: CopySchema
    public var run: [String]
    public var env: [TemplateEntry]
}

/// `mirror:`: how `devenv mirror` maps staging's values to this kind.
public struct MirrorHints: Sendable, Equatable {
    /// One of the URL mappings the mirror stage knows (`MirrorProtocol`).
    public var protocolName: String
    /// Other names staging may report this kind's version under.
    public var versions: [String]
    /// The setting listing the names (databases, buckets) staging's names are matched against.
    public var names: String?
    /// URL schemes of staging values this kind answers (`postgres`, `postgresql`); matched on the
    /// part before any `+` too (`postgresql+asyncpg`).
    public var schemes: [String] = []
}

/// `init:`: how `devenv init` recognises this kind in a compose file or `.env.example`.
public struct InitHints: Sendable, Equatable {
    public var images: [String]
    public var env: [TemplateEntry]
    public var schemes: [String]
    public var suggest: Bool
    /// Settings a compose service's `environment:` carries (`databases: POSTGRES_DB`), for
    /// carrying a hand-kept compose file over.
    public var settings: [InitSetting] = []
    /// The tags of `images` this kind runs as its `version` (a regular expression matched
    /// whole); another tag keeps the compose service a generic one with its exact image.
    public var tags: String?
    /// Other names the image reads for the kind's own variables (`MYSQL_PASSWORD` for mariadb's
    /// `MARIADB_PASSWORD`): a compose file's value under such a name is the kind's own too.
    public var aliases: [(name: String, variable: String)] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.images == b.images && a.env == b.env && a.schemes == b.schemes && a.suggest == b.suggest && a.settings == b.settings && a.tags == b.tags
            && a.aliases.map { "\($0.name)=\($0.variable)" } == b.aliases.map { "\($0.name)=\($0.variable)" }
    }
}

/// A setting of the kind and the compose environment variables that may hold its value
/// (the first one a compose service sets wins).
public struct InitSetting: Sendable, Equatable {
    public var setting: String
    public var variables: [String]
}
