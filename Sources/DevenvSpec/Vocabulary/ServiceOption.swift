import Foundation
import DevenvCore

/// One compose key of a service carried as written (`user: "1000:1000"`, `tty: true`,
/// `ulimits: { nofile: 65536 }`), checked for its shape when devenv.yml loads.
public struct ServiceOption: Sendable {
    public var key: String
    public var value: YAMLNode
    public var line: Int
    public var column: Int
    public init(key: String, value: YAMLNode, line: Int = 0, column: Int = 0) { self.key = key; self.value = value; self.line = line; self.column = column }
}

extension ServiceOption {
    /// What a compose key carried as written must look like. Only the top of each value is
    /// checked here (compose checks what is inside a map when it reads the stack).
    public enum Shape: Sendable {
        /// One text value (`user: "1000:1000"`).
        case text
        /// true or false.
        case bool
        /// A whole number.
        case int
        /// A duration like 10s or 1m30s.
        case duration
        /// A size like 256m, 1g or a number of bytes.
        case size
        /// A number of CPUs like 0.5.
        case number
        /// A list of text values (one value is read as a list of one).
        case texts
        /// A list of text values or a map (`sysctls`, `extra_hosts`).
        case textsOrMap
        /// A map (`ulimits`, `deploy`, `logging`).
        case map
        /// compose's `secrets:` (or `configs:`) of a service: names of the top-level `secrets:`
        /// (`configs:`), or `{ source: NAME, target: …, uid: …, gid: …, mode: … }`.
        case secrets
    }

    /// The compose keys devenv.yml carries as written, on any service. Everything devenv
    /// manages itself is not here: `image`, `ports` (published on 127.0.0.1 from the stack's
    /// block), `container_name` (containers are named per stack), `networks` (one per stack).
    public static let shapes: [String: Shape] = [
        "user": .text, "working_dir": .text, "hostname": .text, "domainname": .text, "stop_signal": .text,
        "platform": .text, "runtime": .text, "network_mode": .text, "pid": .text, "ipc": .text, "userns_mode": .text,
        "cgroup_parent": .text, "isolation": .text, "mac_address": .text,
        "tty": .bool, "stdin_open": .bool, "init": .bool, "privileged": .bool, "read_only": .bool, "oom_kill_disable": .bool,
        "pids_limit": .int, "oom_score_adj": .int,
        "stop_grace_period": .duration,
        "shm_size": .size, "mem_limit": .size, "mem_reservation": .size, "memswap_limit": .size,
        "cpus": .number,
        "cap_add": .texts, "cap_drop": .texts, "security_opt": .texts, "dns": .texts, "dns_search": .texts, "dns_opt": .texts,
        "tmpfs": .texts, "group_add": .texts, "devices": .texts, "device_cgroup_rules": .texts, "links": .texts,
        "sysctls": .textsOrMap, "extra_hosts": .textsOrMap,
        "ulimits": .map, "deploy": .map, "logging": .map, "storage_opt": .map, "annotations": .map, "blkio_config": .map,
        "secrets": .secrets, "configs": .secrets,
    ]

    /// The restart policies compose takes.
    public static let restartPolicies = ["no", "always", "on-failure", "unless-stopped"]
}

/// The keys of a service in devenv.yml that are devenv's, not its kind's: a kind may not
/// name a setting after one of them.
package enum ServiceKeys {
    /// The compose keys every service takes besides its kind's (or a generic image's) own.
    package static let compose = ["depends_on", "restart", "profiles", "labels"] + ServiceOption.shapes.keys.sorted()
    /// The keys a service of any kind takes.
    package static let common = ["kind", "version", "image", "port", "env", "command", "volumes"] + compose
    /// The keys a generic image (`image:` or `build:`) takes.
    package static let generic = ["kind", "image", "port", "ports", "ready", "env", "command", "entrypoint", "healthcheck", "build", "volumes"] + compose
}
