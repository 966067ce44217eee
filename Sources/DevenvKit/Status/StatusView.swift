import DevenvCore
import DevenvPlan
import Foundation

/// `devenv status`: the report (its JSON is the machine interface's) and, for people, the
/// stack's line, the services' table, the processes' table and the engine it runs on.
public struct StatusView: Report {
    public var report: StatusReport
    public var plan: StackPlan
    /// `Engine: unix:///var/run/docker.sock (default socket)`, and a remote stack's forward.
    public var engineLine: String

    public init(report: StatusReport, plan: StackPlan, engineLine: String) {
        self.report = report; self.plan = plan; self.engineLine = engineLine
    }

    public func writeJSON(to output: Output) throws { try output.json(report) }

    public func lines(_ output: Output) -> [String] {
        var out = ["Stack \(output.style(report.stack, .bold)) (\(report.root)\(report.branch.map { ", branch \($0)" } ?? ""))"]
        out += StatusBuilder.table(report, plan: plan, output: output)
        if !report.processes.isEmpty { out += ProcessStatusReader.table(report.processes, output: output) }
        out += report.pulls.map(\.line)
        for m in report.envMismatches {
            out.append(output.style("warning: \(m.summary), not \(report.stack)", .yellow))
        }
        if !report.envMismatches.isEmpty { out.append("  fix: " + EnvStackMismatch.fix) }
        out.append(output.style(engineLine, .dim))
        return out
    }
}
