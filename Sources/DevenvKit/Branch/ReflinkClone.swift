import Foundation
import DevenvCore
import DevenvEngine
import DevenvPlatform

/// How a layered branch's data volume stands on its base (`LayeredBranch`).
///
/// - `reflink`: the branch's volume is a reflink clone of the base (`cp -a --reflink=always`,
///   FICLONE), on storage that shares file extents (XFS with `reflink=1`, btrfs): a file is
///   shared until either side writes a block of it, and then only that block is copied. So
///   opening a table costs nothing, and a first write to it costs no more than in the parent.
/// - `overlay`: an OverlayFS of the branch's own empty layer on the base (any disk): a file is
///   copied up whole into the layer the first time it is opened for writing.
public enum LayerMethod: String, Sendable, Equatable, Codable {
    case overlay, reflink
}

/// The reflink side of `LayeredBranch`: the clone (which is also the probe), and the engine's
/// answer remembered so that an engine without reflinks costs no throwaway container per branch.
enum ReflinkClone {
    /// The exit status of the clone's script when the engine's storage cannot clone between
    /// the two volumes: remembered for the engine, the branch layers with OverlayFS instead.
    static let unsupported: Int32 = 3

    /// What trying the clone came to.
    enum Result: Sendable, Equatable {
        case cloned
        /// The engine's storage shares no extents between the base and the branch's volume.
        case unsupported
        /// It could not be tried or failed part way (the image's `cp` cannot clone, …): why.
        case failed(String)
    }

    /// The exit status of the clone's script when it could not be tried, or failed part way.
    static let cannotClone: Int32 = 4, cloneFailed: Int32 = 5

    /// `docker run --rm` of the service's image with the base read-only at /base and the
    /// branch's new volume at /data, running `script`.
    static func command(base: String, into volume: String, image: String, labels: [(String, String)]) -> Command {
        VolumeCommands.throwaway(image: image, mounts: ["\(base):/base:ro", "\(volume):/data"], labels: labels,
                                 script: script(base: "/base", data: "/data"))
    }

    /// First one of the base's files is cloned (the probe: a storage without reflinks fails here
    /// at once, exit `unsupported`), then the whole base with owners, modes and times
    /// (`cp -a --reflink=always`, which never falls back to a copy). Every failure exits with a
    /// status of its own (`unsupported`, `cannotClone`, `cloneFailed`); success falls through,
    /// so a rotation can follow in the same container (`RotateCommand.command(clone:)`).
    static func script(base: String, data: String) -> String {
        let probe = "\(data)/.devenv-reflink-probe"
        return "cp --reflink=always --version >/dev/null 2>&1 || { echo \"the image's cp cannot clone (no GNU cp --reflink)\" >&2; exit \(cannotClone); }; "
            + "f=$(find \(base) -type f -size +0 -print -quit); [ -n \"$f\" ] || { echo 'the base holds no file' >&2; exit \(cannotClone); }; "
            + "cp --reflink=always \"$f\" \(probe) 2>/dev/null || { rm -f \(probe); echo \"the engine's storage has no reflinks between volumes\" >&2; exit \(unsupported); }; "
            + "rm -f \(probe) && cp -a --reflink=always \(base)/. \(data)/ || exit \(cloneFailed)"
    }

    /// Makes `volume` (with `labels`) and clones `base` into it. Anything but `.cloned` leaves
    /// no volume behind; `.unsupported` is remembered for the engine.
    /// `rotation`: the branch's rotation (`RotateCommand`), run after the clone in the same
    /// container; `rotated` says whether it succeeded (when not, `up` runs it on its own after
    /// the copy, and says why it failed).
    static func clone(_ ctx: DevenvContext, base: String, into volume: String, image: String, labels: [(String, String)],
                      taskLabels: [(String, String)], engine: EngineStorage.Identity?,
                      rotation: RotateCommand.Rendered? = nil, rotated: Locked<Double?>? = nil) async -> Result {
        do {
            try await LayeredBranch.step("creating volume \(volume)", ctx, VolumeCommands.create(volume, labels: labels))
        } catch {
            return .failed((error as? DevenvError)?.message ?? "\(error)")
        }
        let r: Result
        do {
            var rendered = rotation
            rendered?.volume = volume
            let began = Date()
            let out = try await ctx.runner.capture(rendered.map { RotateCommand.command($0, labels: taskLabels, clone: (base, Self.script(base: RotateCommand.basePath, data: $0.dataPath))) }
                                                   ?? command(base: base, into: volume, image: image, labels: taskLabels))
            if out.succeeded { r = .cloned; if rendered != nil { rotated?.with { $0 = Date().timeIntervalSince(began) } } }
            else if out.status == unsupported { r = .unsupported }
            else if rendered == nil || [cannotClone, cloneFailed, 125, 126, 127].contains(out.status) {
                r = .failed("exit \(out.status): \(BranchCopy.lastLine(out.stderr + "\n" + out.stdout))")
            } else { r = .cloned }   // cloned; the rotation after it failed: `up` runs it again on its own
        } catch {
            r = .failed("\(error)")
        }
        if r != .cloned { _ = try? await ctx.runner.capture(VolumeCommands.remove([volume])) }
        if let engine {
            switch r {
            case .cloned: EngineStorage.remember(ctx.paths, engine, reflinks: true, address: ctx.engine.address)
            case .unsupported: EngineStorage.remember(ctx.paths, engine, reflinks: false, address: ctx.engine.address)
            case .failed: break   // says nothing about the storage
            }
        }
        return r
    }
}

/// What devenv learnt of an engine's storage, one small file per engine under
/// `$DEVENV_HOME/engines/` (named by a hash of the engine's address, ID and data root,
/// `GET /info`; the data root because Docker 20.10's ID is the machine's key, the same for
/// every dockerd on it): whether reflinks work between its volumes. Asked before each layered
/// branch; a file that cannot be read is treated as no answer and left as it is.
enum EngineStorage {
    struct Record: Codable, Equatable {
        /// nil until a clone was tried here.
        var reflinks: Bool?
        /// Whether a layered volume (OverlayFS, the engine's local driver) mounted here; nil
        /// until one did (files written before it was kept).
        var overlay: Bool?
        /// The engine's address and data root, for a person reading the file.
        var engine: String
        var root: String
        var checked: String
    }

    /// An engine as the cache knows it: a hash of its address, ID and data root; and the data root.
    struct Identity: Sendable, Equatable { var key: String; var root: String }

    /// The engine's identity for the cache: nil when the engine does not say (then nothing is cached).
    static func identity(_ engine: any ContainerEngine) -> Identity? {
        guard let (status, body) = try? engine.get("/info", timeout: 10), status == 200,
              let info = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let id = info["ID"] as? String, !id.isEmpty else { return nil }
        let root = info["DockerRootDir"] as? String ?? ""
        return Identity(key: String(Checksum.sha256(engine.address + "\n" + id + "\n" + root).prefix(16)), root: root)
    }

    static func path(_ paths: DevenvPaths, key: String) -> String { paths.home + "/engines/" + key + ".json" }

    /// The remembered answer; nil when there is none (or it cannot be read).
    static func reflinks(_ paths: DevenvPaths, _ engine: Identity) -> Bool? {
        guard let data = FileManager.default.contents(atPath: path(paths, key: engine.key)) else { return nil }
        return (try? JSONDecoder().decode(Record.self, from: data))?.reflinks ?? nil
    }

    /// Whether a layered volume has mounted on this engine (then its probe is left to the
    /// rotation that starts the server on it); nil when unknown.
    static func overlay(_ paths: DevenvPaths, _ engine: Identity) -> Bool? {
        guard let data = FileManager.default.contents(atPath: path(paths, key: engine.key)) else { return nil }
        return (try? JSONDecoder().decode(Record.self, from: data))?.overlay
    }

    /// Remembers the answer; never replaces a file it cannot read, and a failure to write
    /// only means the next branch probes again.
    static func remember(_ paths: DevenvPaths, _ engine: Identity, reflinks: Bool, address: String) {
        update(paths, engine, address: address) { $0.reflinks = reflinks }
    }

    /// Remembers that a layered volume mounted on this engine.
    static func rememberOverlay(_ paths: DevenvPaths, _ engine: Identity, address: String) {
        update(paths, engine, address: address) { $0.overlay = true }
    }

    private static func update(_ paths: DevenvPaths, _ engine: Identity, address: String, _ change: (inout Record) -> Void) {
        let p = path(paths, key: engine.key)
        var record = Record(reflinks: nil, engine: address, root: engine.root, checked: "")
        if let data = FileManager.default.contents(atPath: p) {
            guard let old = try? JSONDecoder().decode(Record.self, from: data) else { return }
            record = old
        }
        let before = record
        change(&record)
        if record == before, FileManager.default.fileExists(atPath: p) { return }
        record.checked = ISO8601DateFormatter().string(from: Date())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(record) else { return }
        try? StateFile.makeFolder(paths.home + "/engines")
        try? AtomicFile.write(data, to: p, newFileMode: 0o600)
    }
}
