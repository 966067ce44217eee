import Foundation
import DevenvCore
import DevenvPlan

/// Which Docker volume holds each data volume of a stack, `<stateDir>/volumes.json`, when it is
/// not compose's default `<stack>_<key>`. `devenv upgrade` writes the upgraded data into a new
/// generation, `<stack>_<key>--g<N>`, and swaps by rewriting this one file (atomically): no
/// data is copied twice, the old volume stays as it was until `--finish`, and `--rollback`
/// swaps back. The rendered compose file names the volume (`volumes: KEY: { name: … }`).
/// A stack that never upgraded has no such file.
public struct VolumeGenerations: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// The Docker volume the stack uses.
        public var current: String
        /// The version that wrote `current` (the upgrade's target).
        public var version: String?
        /// The volume before the last upgrade, kept until `devenv upgrade SERVICE --finish`.
        public var previous: String?
        public var previousVersion: String?
        public var service: String?
        /// The snapshot the kept volume stands for (`upgrade-SERVICE-15-to-17`), taken when the
        /// upgrade began, and the seed ledger of the service then: `devenv snapshot ls` lists
        /// it and `restore` copies from it. No second copy is made: the kept volume, which the
        /// upgrade only read, is that point. It goes with the volume (`--finish`, `gc`,
        /// `--rollback`, which makes it the service's data again).
        public var snapshot: String?
        public var snapshotCreated: String?
        public var seeds: [SeedLedger.Entry]?
    }

    public var version = 1
    /// By compose volume key (`postgres-data`).
    public var volumes: [String: Entry] = [:]

    public init() {}

    public static func path(stateDir: String) -> String { stateDir + "/volumes.json" }

    /// The Docker names that differ from compose's default, by key.
    public var names: [String: String] { volumes.mapValues(\.current) }

    /// The record; an empty one when there is none. A damaged record is an error: guessing
    /// would point the service at the wrong data.
    public static func load(stateDir: String) throws -> VolumeGenerations {
        let file = path(stateDir: stateDir)
        guard let data = try StateFile.read(file, what: "the record of the stack's volumes") else { return VolumeGenerations() }
        guard let g = try? JSONDecoder().decode(VolumeGenerations.self, from: data) else {
            throw DevenvError("the record of the stack's volumes \(file) is damaged; devenv changed nothing",
                              hint: "It names the Docker volume each service uses after `devenv upgrade` (see `docker volume ls`). "
                                  + "Fix it by hand, or move it aside (`mv \(file) \(file).bad`) to use the volumes named <stack>_<service>-data.")
        }
        return g
    }

    public func save(stateDir: String) throws {
        let file = Self.path(stateDir: stateDir)
        if volumes.isEmpty {
            if unlink(file) != 0 && errno != ENOENT { throw DevenvError("cannot remove \(file): \(String(cString: strerror(errno)))") }
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try StateFile.makePrivateFolder(stateDir)
        try AtomicFile.write(try encoder.encode(self), to: Self.path(stateDir: stateDir), newFileMode: 0o600)
    }

    /// The name of the generation after `current`: `<stack>_<key>--g2`, `--g3`, … (pure).
    public static func next(stack: String, key: String, current: String) -> String {
        let base = "\(stack)_\(key)"
        var n = 1
        if current.hasPrefix(base + "--g"), let g = Int(current.dropFirst(base.count + 3)) { n = g }
        return "\(base)--g\(n + 1)"
    }
}

extension StackPlan {
    /// The plan with the Docker volume names of the stack's record (`VolumeGenerations`).
    func withVolumeGenerations() throws -> StackPlan {
        var p = self
        p.volumeNames = try VolumeGenerations.load(stateDir: stateDir).names
        return p
    }
}
