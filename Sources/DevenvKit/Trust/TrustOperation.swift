import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv trust`: the host commands a manifest asks to run, and trusting, checking or
/// revoking them (`ManifestTrust`).
public enum TrustOperation {
    /// One command written in the manifest that devenv would run on this machine.
    public struct HostCommand: Sendable, Equatable {
        /// Where it is written (`staging.from.command`).
        public var place: String
        public var argv: [String]
    }

    public struct Outcome: Sendable {
        public var manifest: String
        public var commands: [HostCommand]
        public var state: ManifestTrust.State
    }

    /// Every host command of the project's manifest. Presets are left out: devenv builds their
    /// argv itself.
    public static func hostCommands(_ manifest: Manifest) -> [HostCommand] {
        var out: [HostCommand] = []
        if let config = manifest.staging {
            if case .command(let argv, _) = config.source { out.append(HostCommand(place: "staging.from.command", argv: argv)) }
            if let argv = config.versionsCommand { out.append(HostCommand(place: "staging.versions.command", argv: argv)) }
        }
        for p in manifest.processes { out.append(HostCommand(place: "processes.\(p.name).run", argv: p.run.texts)) }
        return out
    }

    public enum Action: Sendable { case trust, revoke, check }

    public static func run(_ ctx: DevenvContext, action: Action) throws -> Outcome {
        let project = try Project.load(ctx)
        let file = project.manifest.file
        let trust = ManifestTrust(paths: ctx.paths)
        let commands = hostCommands(project.manifest)
        switch action {
        case .trust: try trust.trust(file)
        case .revoke: try trust.revoke(file)
        case .check: break
        }
        return Outcome(manifest: file, commands: commands, state: try trust.state(of: file))
    }
}
