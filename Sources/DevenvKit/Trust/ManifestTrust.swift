import Crypto
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Trust in a manifest's host commands — the commands written in `devenv.yml` that devenv
/// would run on this machine (`staging.from.command`, `staging.versions.command`, the app's
/// `processes:`), like direnv's `allow` and mise's `trust`. Commands devenv builds itself
/// (presets, compose) need no trust.
///
/// Invariants:
/// - A command from a manifest runs only while that manifest (by real path) is trusted with
///   its current content (SHA-256 of its bytes): any edit revokes the trust until the user
///   trusts it again.
/// - Without a terminal nothing is asked: the command stops with exit 2 and names `devenv trust`.
/// - The store (`$DEVENV_HOME/trust.json`, 0600) is changed under its own lock, atomically.
///
/// Use: `try ManifestTrust(paths: ctx.paths).require(ctx, manifest: file, commands: [argv…], purpose: "…")`
/// right before running the first such command.
public struct ManifestTrust: Sendable {
    public var storeFile: String
    public var lockFile: String

    public init(paths: DevenvPaths) {
        storeFile = paths.home + "/trust.json"
        lockFile = paths.home + "/trust.lock"
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var sha256: String
        public var trustedAt: Date
        enum CodingKeys: String, CodingKey { case sha256, trustedAt = "trusted_at" }
    }

    struct Store: Codable {
        var version = 1
        var manifests: [String: Entry] = [:]
    }

    public enum State: Equatable, Sendable {
        case trusted
        /// Never trusted on this machine.
        case untrusted
        /// Trusted once, but its content changed since.
        case changed
    }

    /// The manifest's real path (the store's key) and the digest of its current content.
    public static func identity(of manifest: String) throws -> (key: String, sha256: String) {
        let key = realpath(manifest, nil).map { p -> String in defer { free(p) }; return String(cString: p) } ?? manifest
        guard let data = try StateFile.read(manifest, what: "the manifest") else {
            throw DevenvError.usage("cannot trust \(manifest): it does not exist")
        }
        return (key, Checksum.hex(SHA256.hash(data: data)))
    }

    public func state(of manifest: String) throws -> State {
        let (key, sha) = try Self.identity(of: manifest)
        guard let entry = try load().manifests[key] else { return .untrusted }
        return entry.sha256 == sha ? .trusted : .changed
    }

    /// Trusts the manifest's current content.
    @discardableResult
    public func trust(_ manifest: String, now: Date = Date()) throws -> Entry {
        let (key, sha) = try Self.identity(of: manifest)
        let entry = Entry(sha256: sha, trustedAt: now)
        try FileLock.with(lockFile) {
            var store = try load()
            store.manifests[key] = entry
            try save(store)
        }
        return entry
    }

    /// Forgets the manifest; returns whether it was trusted.
    @discardableResult
    public func revoke(_ manifest: String) throws -> Bool {
        let (key, _) = try Self.identity(of: manifest)
        return try FileLock.with(lockFile) {
            var store = try load()
            guard store.manifests.removeValue(forKey: key) != nil else { return false }
            try save(store)
            return true
        }
    }

    /// Returns when `manifest` is trusted; otherwise asks once on a terminal (and remembers a
    /// yes), or throws exit 2 naming `devenv trust`. `commands` are shown to the user;
    /// `purpose` says what they are for (`to read staging's variables`).
    public func require(_ ctx: DevenvContext, manifest: String, commands: [[String]], purpose: String) throws {
        let state = try state(of: manifest)
        if state == .trusted { return }
        let shown = Paths.relative(manifest, to: ctx.cwd)
        let list = commands.map { "  " + StagingSource.masked($0).joined(separator: " ") }
        let why = state == .changed
            ? "\(shown) changed since you trusted it, and it asks to run on this machine \(purpose):"
            : "\(shown) asks to run on this machine \(purpose):"
        if ctx.output.stdinIsTerminal {
            for line in [why] + list { ctx.output.error(line) }
            ctx.output.error("Trust these commands of \(shown)? It is asked again whenever the file changes. [y/N]")
            if let answer = readLine(), ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()) {
                try trust(manifest)
                return
            }
            throw DevenvError.usage("not trusted: \(shown)'s commands were not run",
                                    hint: "Review \(shown), then run `devenv trust` (or answer yes).")
        }
        throw DevenvError(why, hint: "Review \(shown), then run `devenv trust` in \((manifest as NSString).deletingLastPathComponent) and run this command again.",
                          exitCode: .usage, details: list)
    }

    func load() throws -> Store {
        guard let data = try StateFile.read(storeFile, what: "devenv's trust store") else { return Store() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let store = try? decoder.decode(Store.self, from: data) else {
            throw DevenvError("devenv's trust store \(storeFile) is damaged (\(data.isEmpty ? "empty" : "not the JSON devenv writes")); nothing was run",
                              hint: "Move it aside (`mv \(storeFile) \(storeFile).bad`), then trust your projects again with `devenv trust`.")
        }
        return store
    }

    func save(_ store: Store) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(store), to: storeFile, newFileMode: 0o600)
    }
}
