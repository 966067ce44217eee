import Foundation
import Yams
import DevenvCore

/// A project's `devenv.yml`, loaded and validated.
public struct Manifest: Sendable {
    /// Absolute path of the manifest file.
    public var file: String
    /// The folder holding the manifest: the project root.
    public var root: String
    /// `name:`, or the root folder's name.
    public var name: String
    public var isolation: Isolation
    /// Services in the order the manifest lists them.
    public var services: [ServiceSpec]
    /// `env:` targets in manifest order; empty means "write the conventional root `.env`".
    public var envTargets: [EnvTargetSpec]
    /// `ports:`: the app's own ports, reserved like the services' and usable as `{{ports.NAME}}`.
    public var appPorts: [AppPort]
    /// `seed:`, read by each kind's seed schema (files checked) when the manifest loads with
    /// `ManifestLoader.seedContexts` (as `Project.load` does); empty otherwise.
    public var seeds: [SeedItem] = []
    /// `staging:`, read once when the manifest loads (nil without it, or when it has problems).
    public var staging: StagingConfig?
    /// `staging.rewrite` and `staging.override` values: templates, checked with `env:`'s keys.
    public var stagingTemplates: [StagingConfig.Template] = []
    /// `processes:`: the app's own dev processes, in manifest order.
    public var processes: [ProcessSpec] = []
    /// `pull:`: masked data from staging, per service, in manifest order.
    public var pulls: [PullSpec] = []
    /// `secrets:`: files (or variables of the environment `devenv up` runs in) that services
    /// mount under `/run/secrets/NAME`, as compose's top-level `secrets:`.
    public var secrets: [SecretSpec] = []
    /// `configs:`: files (or text) that services mount where their `configs:` say, as compose's top-level `configs:`.
    public var configs: [SecretSpec] = []
    /// devenv.yml's own Mustache templates (`env:` values, `processes:` runs, `staging:`
    /// rewrite and override values), compiled once as the manifest loads
    /// (`ManifestLoader.compileTemplates`): renders take the compiled copy.
    public var templates = CompiledTemplates()

    public func service(named name: String) -> ServiceSpec? { services.first { $0.name == name } }
    public func process(named name: String) -> ProcessSpec? { processes.first { $0.name == name } }
    public func pull(for service: String) -> PullSpec? { pulls.first { $0.service == service } }
}

public enum Isolation: String, Sendable, CaseIterable {
    case project, branch
}

/// One entry under `services:`.
public struct ServiceSpec: Sendable {
    public var name: String
    /// A template kind (`postgres`, `redis`, …) or `generic` for any other image.
    public var kind: String
    public var version: String?
    public var image: String?
    /// A pinned host port for the service's main port (`port: 5432`).
    public var pinnedPort: Int?
    /// The kind's settings as devenv.yml gives them (`databases: [a, b]`); defaults are the kind's.
    public var settings: [String: SettingValue] = [:]
    /// Generic services: named container ports (`ports: { http: 6333 }`).
    public var ports: [NamedPort] = []
    public var ready: ReadySpec?
    public var environment: [(key: String, value: String)] = []
    /// `env: { SMTP_PASSWORD: null }`: taken from the environment `devenv up` runs in, as compose
    /// takes a variable named without a value from its shell.
    public var fromShell: [String] = []
    public var command: [String]?
    /// Generic services: the image's entrypoint replaced (`entrypoint: [sh, -c]`).
    public var entrypoint: [String]?
    /// Generic services: a check compose runs inside the container (beside devenv's own from the host).
    public var healthcheck: HealthcheckSpec?
    /// compose's `depends_on` (`service_started`, `service_healthy`, `service_completed_successfully`), where each is written.
    public var dependsOn: [DependsOnSpec] = []
    /// Generic services: the image built from a folder (relative to the project), as compose builds it.
    public var build: BuildSpec?
    public var volumes: [String] = []
    /// `restart:` as compose takes it (`no`, `always`, `on-failure`, `on-failure:N`,
    /// `unless-stopped`); nil: `unless-stopped`. A service that may stop (`no`, `on-failure`) is
    /// done when it exits 0: a one-shot step.
    public var restart: String?
    /// `profiles:`: the service starts only when `devenv up --profile NAME` names one of them.
    public var profiles: [String] = []
    /// `labels:`, the service's own, beside devenv's.
    public var labels: [(key: String, value: String)] = []
    /// Compose keys carried as written (`user`, `tty`, `cap_add`, `secrets`, …: ``ServiceOption/shapes``).
    public var options: [ServiceOption] = []
    public var line: Int = 0

    public var isGeneric: Bool { kind == ServiceSpec.genericKind }
    public static let genericKind = "generic"
    /// It may stop for good (`restart: "no"` or `on-failure`): exiting with 0 is how it finishes.
    public var mayExit: Bool { restart == "no" || restart?.hasPrefix("on-failure") == true }
    /// `restart: "no"`: it runs once and exits (a migration, a bucket's setup); `up` waits for it to finish.
    public var isStep: Bool { restart == "no" }
    public func option(_ key: String) -> ServiceOption? { options.first { $0.key == key } }
}

/// One entry of the top-level `secrets:` or `configs:`: `{ file: ./db/password.txt }`
/// (relative to the project), `{ environment: DB_PASSWORD }` (taken from the environment
/// `devenv up` runs in), or, for a config, `{ content: "…" }`.
public struct SecretSpec: Sendable, Equatable {
    public var name: String
    public var file: String?
    public var environment: String?
    public var content: String?
    public var line: Int = 0
    public init(name: String, file: String? = nil, environment: String? = nil, content: String? = nil, line: Int = 0) {
        self.name = name; self.file = file; self.environment = environment; self.content = content; self.line = line
    }
}

public struct NamedPort: Sendable, Equatable {
    public var name: String
    public var container: Int
    public var pinnedHost: Int?
    /// `tcp`, or `udp` (`dns: 53/udp`, `{ container: 53, protocol: udp }`).
    public var proto: String = "tcp"
    public init(name: String, container: Int, pinnedHost: Int?, proto: String = "tcp") {
        self.name = name; self.container = container; self.pinnedHost = pinnedHost; self.proto = proto
    }
}

/// One entry of a generic service's `depends_on:` (`[db]`, or `{ db: { condition: service_healthy } }`).
public struct DependsOnSpec: Sendable, Equatable {
    public var name: String
    public var condition: String
    public var line: Int = 0
    public var column: Int = 0
    public static let conditions = ["service_started", "service_healthy", "service_completed_successfully"]
    public init(name: String, condition: String = "service_started", line: Int = 0, column: Int = 0) {
        self.name = name; self.condition = condition; self.line = line; self.column = column
    }
    public static func == (a: Self, b: Self) -> Bool { a.name == b.name && a.condition == b.condition }
}

/// A generic service's `healthcheck:`: compose's `test` (`[CMD, …]`, `[CMD-SHELL, line]`), and
/// its timings as written (`interval: 5s`, `retries: 3`).
public struct HealthcheckSpec: Sendable, Equatable {
    public var test: [String]
    public var options: [(key: String, value: String)] = []
    public static let optionKeys = ["interval", "timeout", "retries", "start_period", "start_interval"]
    public init(test: [String], options: [(key: String, value: String)] = []) { self.test = test; self.options = options }
    public static func == (a: Self, b: Self) -> Bool { a.test == b.test && a.options.map { "\($0.key)=\($0.value)" } == b.options.map { "\($0.key)=\($0.value)" } }
}

/// A generic service's `build:` (`./api`, or `{ context: .., dockerfile: docker/Dockerfile,
/// target: dev, args: { NODE_ENV: development } }`): compose builds the image, tagged
/// `<stack>-<service>` unless `image:` names it.
public struct BuildSpec: Sendable, Equatable {
    public struct Arg: Sendable, Equatable {
        public var name: String
        /// nil: taken from the environment `devenv up` runs in, as compose takes it.
        public var value: String?
        public init(name: String, value: String?) { self.name = name; self.value = value }
    }
    public var context: String
    public var dockerfile: String?
    /// The Dockerfile's stage to build.
    public var target: String?
    public var args: [Arg] = []
    public init(context: String, dockerfile: String? = nil, target: String? = nil, args: [Arg] = []) {
        self.context = context; self.dockerfile = dockerfile; self.target = target; self.args = args
    }
}

/// How a generic service tells it is ready.
public enum ReadySpec: Sendable, Equatable {
    case http(path: String, port: String?)
    case tcp(port: String?)
}

public struct EnvTargetSpec: Sendable {
    /// Path relative to the project root (`api/.env`).
    public var path: String
    public var keys: [EnvKeySpec]
}

public struct EnvKeySpec: Sendable {
    public var key: String
    /// A Mustache template over the stack (`{{postgres.url}}`).
    public var template: String
    public var line: Int
    public var column: Int
}

/// One entry under `ports:`: pinned (`api: 8000`) or taken from the stack's block (`api: auto`).
public struct AppPort: Sendable, Equatable {
    public var name: String
    /// The pinned host port; nil for `auto`.
    public var port: Int?
    public init(name: String, port: Int?) { self.name = name; self.port = port }
}
