import Foundation
import DevenvCore
import DevenvPlatform

/// Docker volume commands as values: create, remove, and copy one volume's content into
/// another with a throwaway container. Snapshots, restores and branch stacks (copying a
/// parent stack's volumes) all copy data this one way, for every service kind.
public enum VolumeCommands {
    /// `docker volume create --label k=v … NAME`.
    public static func create(_ name: String, labels: [(String, String)]) -> Command {
        Command("docker", ["volume", "create"] + labels.flatMap { ["--label", "\($0.0)=\($0.1)"] } + [name])
    }

    /// `docker volume create --driver local --opt type=overlay …`: a volume whose data is an
    /// OverlayFS of `lower` (read-only) under `upper`, mounted by the engine's local driver
    /// whenever a container uses it. The three are paths in the engine's file system (volume
    /// mountpoints from the engine), so the mount happens engine-side, local or remote alike.
    public static func createOverlay(_ name: String, lower: String, upper: String, work: String, labels: [(String, String)]) -> Command {
        Command("docker", ["volume", "create", "--driver", "local", "--opt", "type=overlay", "--opt", "device=overlay",
                           "--opt", "o=lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"]
            + labels.flatMap { ["--label", "\($0.0)=\($0.1)"] } + [name])
    }

    /// `docker volume rm NAME…`.
    public static func remove(_ names: [String]) -> Command {
        Command("docker", ["volume", "rm"] + names)
    }

    /// Copies every file of volume `source` into volume `destination`, keeping owners, modes
    /// and times (`cp -a`, one pass), in a throwaway container of `image` — the service's own
    /// image, so it is already on the machine and its tools match its data. Root inside the
    /// container (to keep owners), no network, the source mounted read-only. Where the
    /// container's `cp` knows `--reflink=auto` (GNU), file data is shared instead of copied on
    /// storage that supports it (btrfs, XFS); elsewhere it is one plain pass. `emptyFirst`
    /// removes whatever `destination` holds before copying (a failed partial copy).
    public static func copy(from source: String, to destination: String, image: String, labels: [(String, String)] = [],
                            emptyFirst: Bool = false) -> Command {
        throwaway(image: image, mounts: ["\(source):/from:ro", "\(destination):/to"], labels: labels,
                  script: (emptyFirst ? emptyScript("/to") + " && " : "") + cpScript("/from/.", "/to/"))
    }

    /// `cp -a FROM TO`, with `--reflink=auto` when this `cp` accepts it; one `{ … }` group, so
    /// it chains with `&&` and `||` as a single command.
    package static func cpScript(_ from: String, _ to: String) -> String {
        "{ r=; cp --reflink=auto --version >/dev/null 2>&1 && r=--reflink=auto; cp -a $r \(from) \(to); }"
    }

    /// Removes every entry of `dir` (hidden ones too), keeping `dir` itself.
    package static func emptyScript(_ dir: String) -> String {
        "for f in \(dir)/* \(dir)/.[!.]* \(dir)/..?*; do [ -e \"$f\" ] || [ -L \"$f\" ] || continue; rm -rf \"$f\" || exit 1; done"
    }

    /// The folder inside a volume that a restore fills before it swaps. While the copy runs it
    /// is `.devenv-restore`; renamed `.devenv-restore.ready` once the copy is complete;
    /// `.devenv-restore.moving` once the old data is gone and its entries are being moved in.
    public static let stagingFolder = ".devenv-restore"

    /// Restore, step 1: copies volume `source` into `destination/.devenv-restore/`, leaving
    /// `destination`'s own data as it is, and marks the copy complete by renaming the folder
    /// `.devenv-restore.ready`. On failure the partial copy is removed.
    public static func stage(from source: String, into destination: String, image: String, labels: [(String, String)] = []) -> Command {
        let s = "/to/" + stagingFolder
        return throwaway(image: image, mounts: ["\(source):/from:ro", "\(destination):/to"], labels: labels, script:
            "rm -rf \(s) \(s).ready && mkdir \(s) && \(cpScript("/from/.", "\(s)/")) && mv \(s) \(s).ready || { s=$?; rm -rf \(s) \(s).ready; exit $s; }")
    }

    /// Restore, step 2 (after every stage succeeded): replaces the volume's content with what
    /// was staged, by renames within one file system (no second copy). Idempotent, so a killed
    /// restore is finished by running it again: while `.ready` exists the old entries are
    /// deleted, then it becomes `.moving`; while `.moving` exists its entries are moved in.
    public static func swapStaged(in volume: String, image: String, labels: [(String, String)] = []) -> Command {
        let s = stagingFolder
        let each = { (dir: String, body: String) in
            "for f in \(dir)* \(dir).[!.]* \(dir)..?*; do [ -e \"$f\" ] || [ -L \"$f\" ] || continue; \(body); done; "
        }
        return throwaway(image: image, mounts: ["\(volume):/to"], labels: labels, script:
            "cd /to || exit 1; " +
            "if [ -d \(s).ready ]; then " +
            each("", "case \"$f\" in \(s)|\(s).ready|\(s).moving) continue;; esac; rm -rf \"$f\" || exit 1") +
            "mv \(s).ready \(s).moving || exit 1; fi; " +
            "if [ -d \(s).moving ]; then " + each("\(s).moving/", "mv \"$f\" /to/ || exit 1") + "rmdir \(s).moving || exit 1; fi; " +
            "rm -rf \(s)")
    }

    /// Removes a leftover staging folder (a restore that failed or was killed before its swap).
    public static func unstage(in volume: String, image: String, labels: [(String, String)] = []) -> Command {
        throwaway(image: image, mounts: ["\(volume):/to"], labels: labels, script: "rm -rf /to/\(stagingFolder) /to/\(stagingFolder).ready")
    }

    /// `docker run --rm` of `image` with `sh -c SCRIPT` instead of its entrypoint.
    package static func throwaway(image: String, mounts: [String], labels: [(String, String)], script: String) -> Command {
        Command("docker", ["run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh"]
            + labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
            + mounts.flatMap { ["-v", $0] }
            + [image, "-c", script])
    }
}
