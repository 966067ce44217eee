import DevenvPlatform
import DevenvCore

/// The processes container engines use to carry a published port to the host. A listener
/// held by one of these belongs to whatever container the engine publishes there: devenv
/// asks the engine, never signals the forwarder, and names it when no engine it can reach
/// claims the port.
public struct EngineForwarder: Sendable, Equatable {
    /// The engine, in the user's words.
    public var engine: String
    /// What to do to free a port it forwards.
    public var fix: String

    /// The forwarders, by the program name a holder shows (its first word, without the
    /// folder; on macOS `lsof`'s command name). A `match` with a space is a command prefix.
    static let known: [(match: String, engine: String, fix: String)] = [
        ("docker-proxy", "Docker's userland proxy", "stop the container that publishes it (`docker ps --filter publish=PORT`)"),
        ("dockerd", "Docker Engine (userland proxy off)", "stop the container that publishes it (`docker ps --filter publish=PORT`)"),
        ("com.docker.backend", "Docker Desktop", "stop the container that publishes it in Docker Desktop (`docker --context desktop-linux ps --filter publish=PORT`)"),
        ("com.docker.vpnkit", "Docker Desktop (vpnkit)", "stop the container that publishes it in Docker Desktop"),
        ("vpnkit-bridge", "Docker Desktop (vpnkit)", "stop the container that publishes it in Docker Desktop"),
        ("OrbStack Helper", "OrbStack", "stop the container that publishes it in OrbStack (`docker --context orbstack ps --filter publish=PORT`)"),
        ("OrbStack", "OrbStack", "stop the container that publishes it in OrbStack (`docker --context orbstack ps --filter publish=PORT`)"),
        ("limactl", "Lima (Colima, Rancher Desktop)", "stop the container that publishes it in the Lima VM (`colima ssh -- docker ps`, or `rdctl shell docker ps`)"),
        ("gvproxy", "Podman machine", "stop the container that publishes it (`podman ps --filter publish=PORT`)"),
        ("rootlessport", "rootless Podman", "stop the container that publishes it (`podman ps --filter publish=PORT`)"),
        ("rootlessport-child", "rootless Podman", "stop the container that publishes it (`podman ps --filter publish=PORT`)"),
        ("rootlesskit", "rootless Docker", "stop the container that publishes it (`docker ps --filter publish=PORT`)"),
        ("pasta", "rootless Podman (pasta)", "stop the container that publishes it (`podman ps --filter publish=PORT`)"),
        ("pasta.avx2", "rootless Podman (pasta)", "stop the container that publishes it (`podman ps --filter publish=PORT`)"),
        ("slirp4netns", "rootless Podman (slirp4netns)", "stop the container that publishes it (`podman ps --filter publish=PORT`)"),
    ]

    /// `known` by exact program name, and the entries matched by command prefix (a space in
    /// `match`): `ports --all` asks for each of thousands of listeners, so no Foundation search.
    private static let byName: [String: Int] = Dictionary(known.enumerated().map { ($1.match, $0) }, uniquingKeysWith: { a, _ in a })
    private static let byPrefix = known.filter { $0.match.utf8.contains(UInt8(ascii: " ")) }
    private static let limaFolders = ["/.lima/", "/.colima/", "/.rd/"]

    /// The forwarder `holder` is, if any. Lima's own `ssh -L` forwards count when their
    /// command names a Lima folder; any other ssh is the user's.
    public static func of(_ holder: PortHolder?) -> EngineForwarder? {
        guard let holder, let command = holder.command else { return nil }
        let name = holder.executableName ?? ""
        if let i = byName[name] { return EngineForwarder(engine: known[i].engine, fix: known[i].fix) }
        if let k = byPrefix.first(where: { command.hasPrefix($0.match) }) { return EngineForwarder(engine: k.engine, fix: k.fix) }
        // Linux keeps 15 characters of a name (`com.docker.back`) where the command line is unreadable.
        if name.utf8.count == 15, let k = known.first(where: { $0.match.hasPrefix(name) }) {
            return EngineForwarder(engine: k.engine, fix: k.fix)
        }
        if name == "ssh", limaFolders.contains(where: { ByteSearch.contains(command, $0) }) {
            return EngineForwarder(engine: "Lima (Colima, Rancher Desktop)", fix: "stop the container that publishes it in the Lima VM (`colima ssh -- docker ps`)")
        }
        return nil
    }

    /// What to do about a port the named engine's forwarder holds.
    public static func fix(engine: String) -> String {
        known.first { $0.engine == engine }?.fix ?? "stop the container that publishes it on that engine"
    }
}
