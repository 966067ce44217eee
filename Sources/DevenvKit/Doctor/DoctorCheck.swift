import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One result of `devenv doctor`; `--json` prints a list of them:
/// `[{"check": "engine", "ok": true, "detail": "...", "fix": null}]`.
///
/// Invariant: a failed check always carries a `fix` (what to run or change); a passed one never does.
public struct DoctorCheck: Encodable, Equatable, Sendable {
    public var check: String
    public var ok: Bool
    public var detail: String
    public var fix: String?

    public static func pass(_ check: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(check: check, ok: true, detail: detail, fix: nil)
    }

    public static func fail(_ check: String, _ detail: String, fix: String) -> DoctorCheck {
        DoctorCheck(check: check, ok: false, detail: detail, fix: fix)
    }

    /// A check that needs something an earlier check found broken.
    public static func skipped(_ check: String, needs: String) -> DoctorCheck {
        fail(check, "not checked: needs a working \(needs)", fix: "Fix the `\(needs)` check first, then run `devenv doctor` again.")
    }

    enum CodingKeys: String, CodingKey { case check, ok, detail, fix }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(check, forKey: .check)
        try c.encode(ok, forKey: .ok)
        try c.encode(detail, forKey: .detail)
        try c.encode(fix, forKey: .fix)   // null when ok
    }
}

/// The human form of doctor's results: `✓ engine  Docker Engine 20.10 …`, a failed check
/// followed by its fix, and a closing count.
public enum DoctorFormat {
    public static func lines(_ checks: [DoctorCheck], output: Output) -> [String] {
        let width = checks.map(\.check.count).max() ?? 0
        var lines: [String] = []
        for c in checks {
            let mark = c.ok ? output.style("✓", .green) : output.style("✗", .red)
            let name = c.check.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("\(mark) \(name)  \(c.detail)")
            if let fix = c.fix, !c.ok {
                lines.append(String(repeating: " ", count: width + 4) + output.style("fix:", .yellow) + " " + fix)
            }
        }
        let failed = checks.filter { !$0.ok }.count
        lines.append(failed == 0 ? "All \(checks.count) checks passed."
                                 : "\(failed) of \(checks.count) checks failed.")
        return lines
    }

    /// `77.3 GB` (decimal units, as `df -H` and Docker show them).
    public static func bytes(_ n: UInt64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var v = Double(n), i = 0
        while v >= 1000, i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
    }
}

/// The external commands doctor runs, as values.
public enum DoctorCommands {
    public static func composeVersion() -> Command { Command("docker", ["compose", "version", "--short"]) }

    /// Exit 0 when git ignores `path` (relative to `root`), 1 when it does not.
    public static func checkIgnore(root: String, path: String) -> Command {
        Command("git", ["-C", root, "check-ignore", "--quiet", "--", path])
    }

    /// Exit 0 when `path` is tracked by git.
    public static func tracked(root: String, path: String) -> Command {
        Command("git", ["-C", root, "ls-files", "--error-unmatch", "--", path])
    }

    /// The local branches, one per line.
    public static func branches(root: String) -> Command {
        Command("git", ["-C", root, "branch", "--list", "--format=%(refname:short)"])
    }
}
