import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The compose invocations `up --attach` runs, as values.
extension Compose {
    /// Follows one service's log lines without compose's own prefix or colours (devenv adds
    /// its own). `since` (RFC 3339) resumes after a container restart; otherwise the last
    /// `tail` lines come first.
    public static func followLogs(_ p: ComposeProject, service: String, since: String? = nil, tail: Int = 10) -> Command {
        docker(base(p) + ["logs", "--follow", "--no-color", "--no-log-prefix"]
               + (since.map { ["--since", $0] } ?? ["--tail", String(tail)]) + [service])
    }

    /// Restarts a running service that stopped answering.
    public static func restart(_ p: ComposeProject, services: [String]) -> Command {
        docker(base(p) + ["restart"] + services)
    }

    /// Starts (or re-creates) a stopped or removed service, leaving the others alone.
    public static func start(_ p: ComposeProject, service: String) -> Command {
        docker(base(p) + ["up", "--detach", "--no-deps", service])
    }

    /// The supervisor's restart order as a command.
    public static func command(for order: RestartOrder, _ p: ComposeProject) -> Command {
        order.start ? start(p, service: order.service) : restart(p, services: [order.service])
    }
}
