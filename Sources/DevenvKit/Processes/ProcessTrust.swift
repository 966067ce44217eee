import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Process commands are host commands taken from devenv.yml: they run only once the user
/// trusted the manifest's content (`ManifestTrust`: asked once on a terminal, `devenv trust`
/// otherwise; an untrusted or changed manifest is exit 2). A background supervisor has no
/// terminal, so it never asks: it refuses.
enum ProcessTrust {
    static func require(_ ctx: DevenvContext, project: Project) throws {
        let commands = project.manifest.processes.map(\.run.texts)
        guard !commands.isEmpty else { return }
        try ManifestTrust(paths: ctx.paths).require(ctx, manifest: project.manifest.file, commands: commands,
                                                    purpose: "to start the app's processes (processes:)")
    }
}
