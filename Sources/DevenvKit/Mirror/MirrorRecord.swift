import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Which keys `devenv mirror` wrote into each target file (`.devenv/mirror-written.json`,
/// `{"api/.env": ["KEY", …]}`): a key staging no longer has is removed from the file only when
/// mirror wrote it there, never when a person added it.
///
/// An unreadable record is treated as absent (the lock's key names stand in), never rewritten
/// blindly: it is only written again after a successful mirror.
enum MirrorRecord {
    static func path(_ plan: StackPlan) -> String { plan.manifest.root + "/.devenv/mirror-written.json" }

    /// The keys mirror wrote into `target`, or nil without a record for it.
    static func keys(_ plan: StackPlan, target: String) -> Set<String>? {
        guard let data = FileManager.default.contents(atPath: path(plan)),
              let all = StateJSON.stringLists(String(decoding: data, as: UTF8.self)),
              let keys = all[target] else { return nil }
        return Set(keys)
    }

    static func save(_ plan: StackPlan, target: String, keys: Set<String>) throws {
        var all: [String: [String]] = [:]
        if let data = FileManager.default.contents(atPath: path(plan)),
           let old = StateJSON.stringLists(String(decoding: data, as: UTF8.self)) { all = old }
        guard all[target].map(Set.init) != keys else { return }
        all[target] = keys.sorted()
        try AtomicFile.write(Data(StateJSON.write(all).utf8), to: path(plan), newFileMode: 0o600)
    }
}
