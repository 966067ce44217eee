import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// How `devenv env` (and `up`) keep mirrored infrastructure keys pointing at the stack.
///
/// `devenv mirror` writes keys such as `REDIS_URL` with the stack's local values. When the stack's
/// ports or credentials change later (a taken port moved by `up`), `devenv env` rewrites those
/// keys too, from the committed lock, without asking staging: every infrastructure key of the
/// lock that the mirror target file already holds becomes a key `devenv env` manages there.
/// `env:` keys come first and win; nothing is added that mirror did not write.
///
/// Best effort by design: without a valid `staging:`, a readable lock or the target file, it
/// adds nothing (`devenv mirror --check` reports those problems), so `up` never fails for them.
enum MirrorEnvKeys {
    static func adding(to targets: [EnvStage.Target], plan: StackPlan) -> [EnvStage.Target] {
        let envFiles = plan.manifest.envTargets.map(\.path)
        guard let config = plan.manifest.staging else { return targets }
        let file = config.targetPath(envFiles: envFiles)
        let root = plan.manifest.root
        guard let i = targets.firstIndex(where: { $0.path == file }),
              let lock = (try? StagingLock.read(path: root + "/" + StagingLock.fileName)) ?? nil,
              let rules = try? MirrorLocal.rules(config, plan: plan),
              let text = (try? EnvFile.open(file, root: root))?.text,
              let present = try? Dotenv.parse(text, file: file) else { return targets }
        let inFile = Set(present.map(\.key))
        var out = targets
        var managed = Set(out[i].values.map(\.key))
        for m in Mirror.map(lock.stagingVars, rules: rules, local: MirrorLocal.services(plan))
        where m.kind == .infrastructure && inFile.contains(m.key) && Dotenv.isValidKey(m.key) {
            guard let value = m.localValue, managed.insert(m.key).inserted else { continue }
            out[i].values.append((m.key, value))
        }
        return out
    }
}
