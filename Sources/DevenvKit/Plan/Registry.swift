import Foundation

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

        enum CodingKeys: String, CodingKey {
            case project, root, branch, block, ports
            case composeFile = "compose_file", created, lastUsed = "last_used"
        }
    }

    public init() {}

    /// Every host port held by stacks other than `stack`.
    public func portsHeld(except stack: String? = nil) -> Set<Int> {
        var s = Set<Int>()
        for (name, e) in stacks where name != stack { s.formUnion(e.ports.values) }
        return s
    }

    public static func read(_ path: String) throws -> Registry {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return Registry() }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Registry.self, from: data)
        } catch {
            throw DevenvError("the registry \(path) is not valid JSON (\(error.localizedDescription))",
                              hint: "Move it aside (mv \(path) \(path).bad); devenv rebuilds it on the next `up`.")
        }
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
            var reg = try read(paths.registryFile)
            let before = reg
            let result = try body(&reg)
            if reg != before { try reg.write(paths.registryFile) }
            return result
        }
    }
}
