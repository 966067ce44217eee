import DevenvCore
import Foundation
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The rows of `devenv ls` and `devenv snapshot ls`.
extension StackRecord: TableRow {
    public static let tableHeader = ["STACK", "PROJECT", "BRANCH", "STATE", "PORTS", "DISK", "LAST USED", "ENGINE", "ROOT"]
    public var tableCells: [String] {
        [stack, project, branch ?? "-", state, ports.values.sorted().map(String.init).joined(separator: ","),
         Snapshot.humanSize(diskBytes), Table.date(lastUsed), engine ?? "-", root.isEmpty ? "-" : root]
    }
}

extension Snapshot: TableRow {
    public static let tableHeader = ["NAME", "SERVICES", "SIZE", "CREATED", "STATE"]
    public var tableCells: [String] {
        [name, services.joined(separator: ","), Snapshot.humanSize(bytes), created,
         upgrade.map { u in complete ? "the old volume \(u)'s upgrade keeps (`devenv upgrade \(u) --finish` deletes it)" : "gone (the old volume \(u)'s upgrade kept)" }
            ?? (complete ? "complete" : "incomplete (save interrupted; `devenv snapshot rm \(name)`)")]
    }
}
