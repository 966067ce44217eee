import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

/// A plan's host ports and secrets, and whether they are reserved.
public struct Claims: Sendable, Equatable {
    /// Host port per port key (`postgres`, `minio.console`, `app.api`).
    public var ports: [String: Int]
    public var secrets: Credentials.Store
    /// True when every port is in the machine registry and every secret in the stack's
    /// credentials file; false when some are only proposed (`devenv up` reserves them).
    public var claimed: Bool

    public init(ports: [String: Int], secrets: Credentials.Store, claimed: Bool) {
        self.ports = ports; self.secrets = secrets; self.claimed = claimed
    }
}

/// The one step that writes the machine registry and the credentials: `propose` reads them
/// and computes what a stack would get; `claim` (run by `up` and the commands that must
/// reserve, under the stack lock) records it.
public struct Claim {
    public var paths: DevenvPaths
    public var portRange: PortRange
    public var isPortFree: (Int) -> Bool = PortProbe.isFree
    public var isUDPPortFree: (Int) -> Bool = PortProbe.isFreeUDP
    public var now: () -> Date = Date.init
    /// Whether any container still carries a stack's label (for reclaiming stale entries).
    public var stackHasContainers: (String) -> Bool = { _ in true }

    public init(paths: DevenvPaths, portRange: PortRange) {
        self.paths = paths
        self.portRange = portRange
    }

    /// What the stack has, or would get, without writing anything.
    public func propose(_ requests: [PortRequest], identity: StackIdentity, composeFile: String,
                        secrets needs: [(service: String, secrets: [KindSecret])]) throws -> Claims {
        var reg = try Registry.readOnly(paths)
        try Self.checkOwner(reg, identity)
        let had = reg.stacks[identity.stack]
        let ports = try PortAllocator.allocate(identity: identity, composeFile: composeFile, requests: requests, range: portRange,
                                               registry: &reg, now: now(), touch: false, isFree: isPortFree, isFreeUDP: isUDPPortFree)
        let (stored, _) = try Credentials.read(stack: identity.stack, paths: paths, needs: needs)
        let (secrets, missing) = Credentials.filling(stored, needs: needs)
        let portsClaimed = had.map { e in ports.allSatisfy { e.ports[$0.key] == $0.value } } ?? false
        return Claims(ports: ports, secrets: secrets, claimed: portsClaimed && !missing)
    }

    /// Reserves the stack's ports in the registry (under its lock) and stores any secret it
    /// lacks. `touch`: counts as using the stack (its last use is now). `proposed`: secrets a
    /// proposal showed, stored for the ones the stack lacks (ports are allocated the same way
    /// both times, so a claim right after a proposal reserves what it proposed).
    public func claim(_ requests: [PortRequest], identity: StackIdentity, composeFile: String,
                      secrets needs: [(service: String, secrets: [KindSecret])], touch: Bool = true,
                      proposed: Credentials.Store = [:]) throws -> Claims {
        let ports = try Registry.update(paths) { reg -> [String: Int] in
            try Self.checkOwner(reg, identity)
            if reg.stacks[identity.stack] == nil { reclaimStale(&reg) }
            return try PortAllocator.allocate(identity: identity, composeFile: composeFile, requests: requests, range: portRange,
                                              registry: &reg, now: now(), touch: touch, isFree: isPortFree, isFreeUDP: isUDPPortFree)
        }
        let secrets = try Credentials.ensure(stack: identity.stack, needs: needs, paths: paths, proposed: proposed)
        return Claims(ports: ports, secrets: secrets, claimed: true)
    }

    /// Gives up the stack's claim on `keys` (ports someone else took) so the next claim moves them.
    public func release(_ keys: [String], stack: String) throws {
        try Registry.update(paths) { reg in
            guard var entry = reg.stacks[stack] else { return }
            for key in keys { entry.ports.removeValue(forKey: key) }
            reg.stacks[stack] = entry
        }
    }

    package static func checkOwner(_ reg: Registry, _ identity: StackIdentity) throws {
        if let other = reg.stacks[identity.stack], other.root != identity.root,
           FileManager.default.fileExists(atPath: other.root + "/" + ManifestLoader.fileName) {
            throw DevenvError.usage(
                "stack '\(identity.stack)' already belongs to \(other.root)",
                hint: "Give this project another `name:` in devenv.yml, or use `isolation: branch`.")
        }
    }

    /// Drops registry entries whose project folder is gone and that have no containers left,
    /// so a crash, a deleted checkout or a reboot never blocks their ports forever.
    package func reclaimStale(_ reg: inout Registry) {
        for (name, e) in reg.stacks where !FileManager.default.fileExists(atPath: e.root + "/" + ManifestLoader.fileName) {
            if !stackHasContainers(name) { reg.stacks.removeValue(forKey: name) }
        }
    }
}
