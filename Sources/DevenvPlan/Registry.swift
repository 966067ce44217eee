import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

/// The machine-wide registry of stacks and their ports (`$DEVENV_HOME/registry.json`).
///
/// Invariants: every read-modify-write happens under `registry.lock`; every write is atomic;
/// no host port appears in two stacks.
public struct Registry: Codable, Sendable, Equatable {
    public var version: Int = 1
    public var stacks: [String: Entry] = [:]

    public struct Entry: Codable, Sendable, Equatable {
        public var project: String
        public var root: String
        public var branch: String?
        /// First port of the stack's block.
        public var block: Int
        /// Host port per service port key (`postgres`, `minio.console`, `app.api`).
        public var ports: [String: Int]
        public var composeFile: String
        public var created: Date
        public var lastUsed: Date

        package init(project: String, root: String, branch: String?, block: Int, ports: [String: Int], composeFile: String, created: Date, lastUsed: Date) {
            self.project = project; self.root = root; self.branch = branch; self.block = block; self.ports = ports
            self.composeFile = composeFile; self.created = created; self.lastUsed = lastUsed
        }

        package enum CodingKeys: String, CodingKey {
            case project, root, branch, block, ports
            case composeFile = "compose_file", created, lastUsed = "last_used"
        }

        /// An entry as `write` writes it; nil when a key is missing or of another type.
        init?(json e: JSON) {
            func date(_ key: CodingKeys) -> Date? { e[key.rawValue]?.string.flatMap { try? Date.ISO8601FormatStyle().parse($0) } }
            guard case .object = e, let project = e["project"]?.string, let root = e["root"]?.string, let block = e["block"]?.int,
                  case .object(let ports)? = e["ports"], let composeFile = e[CodingKeys.composeFile.rawValue]?.string,
                  let created = date(.created), let lastUsed = date(.lastUsed) else { return nil }
            var branch: String?
            switch e["branch"] {
            case nil, .null?: branch = nil
            case .string(let b)?: branch = b
            default: return nil
            }
            var portMap: [String: Int] = [:]
            for (k, v) in ports { guard let p = v.int else { return nil }; portMap[k] = p }
            self.init(project: project, root: root, branch: branch, block: block, ports: portMap, composeFile: composeFile, created: created, lastUsed: lastUsed)
        }
    }

    public init() {}

    /// Every host port held by stacks other than `stack`.
    public func portsHeld(except stack: String? = nil) -> Set<Int> {
        var s = Set<Int>()
        for (name, e) in stacks where name != stack { s.formUnion(e.ports.values) }
        return s
    }

    /// The registry at `path`; no file is an empty registry. An empty, unreadable or garbled
    /// file is `RegistryDamage` — never an empty registry, which would hand a live stack's
    /// ports to another stack. `Registry.load`/`update` rebuild it from the engine.
    public static func read(_ path: String) throws -> Registry {
        guard let data = try StateFile.read(path, what: "the registry") else { return Registry() }
        guard let reg = decode(data) else { throw damage(path, data) }
        return reg
    }

    /// The registry in `data`, or nil when it is not what `write` writes: what `JSONDecoder`
    /// (ISO 8601 dates) accepts, read with ``JSONReader`` instead (every command reads the
    /// registry, and `JSONDecoder`'s first use of each type scans every conformance record).
    package static func decode(_ data: Data) -> Registry? {
        guard let top = try? JSON.read(data), let version = top["version"]?.int, case .object(let stacks)? = top["stacks"] else { return nil }
        var reg = Registry()
        reg.version = version
        for (name, e) in stacks {
            guard let entry = Entry(json: e) else { return nil }
            reg.stacks[name] = entry
        }
        return reg
    }

    /// The refusal for a damaged registry: what is wrong and how to recover.
    public static func damage(_ path: String, _ data: Data, engineDetail: String? = nil) -> DevenvError {
        let what = data.isEmpty ? "empty" : "not the JSON devenv writes"
        return DevenvError(
            "the registry \(path) is damaged (\(what))" + (engineDetail.map { ", and it cannot be rebuilt: \($0)" } ?? ""),
            hint: "devenv rebuilds it from the stacks' containers when the Docker engine answers: start the engine and run the command again. "
                + "Or move it aside (`mv \(path) \(path).bad`): stacks then get new ports at their next `devenv up`.")
    }

    /// The registry, rebuilt (under its lock, through `paths.recovery`) when the file is damaged.
    public static func load(_ paths: DevenvPaths) throws -> Registry {
        do { return try read(paths.registryFile) } catch let e as DevenvError where isDamage(paths, e) {
            return try update(paths) { $0 }
        }
    }

    /// The registry for a read-only command: a damaged file is rebuilt in memory only (the
    /// next command that claims writes the rebuilt one).
    public static func readOnly(_ paths: DevenvPaths) throws -> Registry {
        guard let data = try StateFile.read(paths.registryFile, what: "the registry") else { return Registry() }
        if let reg = decode(data) { return reg }
        guard let rebuild = paths.recovery.registry else { throw damage(paths.registryFile, data) }
        return try rebuild(data)
    }

    package static func isDamage(_ paths: DevenvPaths, _ e: DevenvError) -> Bool {
        e.message.hasPrefix("the registry \(paths.registryFile) is damaged")
    }

    /// Under the lock: the registry, or the rebuilt one (written at once, the damaged file kept
    /// beside it as `registry.json.damaged-<time>`).
    package static func readForUpdate(_ paths: DevenvPaths) throws -> Registry {
        guard let data = try StateFile.read(paths.registryFile, what: "the registry") else { return Registry() }
        if let reg = decode(data) { return reg }
        guard let rebuild = paths.recovery.registry else { throw damage(paths.registryFile, data) }
        let rebuilt = try rebuild(data)
        try keepDamaged(paths.registryFile, data)
        try rebuilt.write(paths.registryFile)
        return rebuilt
    }

    /// Keeps a damaged state file's bytes beside it (0600), so nothing is lost.
    public static func keepDamaged(_ path: String, _ data: Data) throws {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        try AtomicFile.write(data, to: "\(path).damaged-\(stamp)", newFileMode: 0o600)
    }

    public func write(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: path, newFileMode: 0o600)
    }

    /// Reads, changes and writes the registry under its lock.
    @discardableResult
    public static func update<T>(_ paths: DevenvPaths, _ body: (inout Registry) throws -> T) throws -> T {
        try FileLock.with(paths.registryLock) {
            var reg = try readForUpdate(paths)
            let before = reg
            let result = try body(&reg)
            if reg != before { try reg.write(paths.registryFile) }
            return result
        }
    }
}
