import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

/// Who a stack is: its compose project name and the labels every resource carries.
///
/// Invariant: `stack` is lower-case `[a-z0-9-]`, at most 63 characters, and carries a hashed
/// suffix whenever the raw name had to be cut or had characters replaced, so two different
/// raw names never share a stack name.
public struct StackIdentity: Sendable, Equatable, Codable {
    public var stack: String
    public var project: String
    public var root: String
    /// The git branch for branch isolation; nil for project isolation.
    public var branch: String?

    public init(project: String, root: String, branch: String?) {
        self.project = project
        self.root = root
        self.branch = branch
        self.stack = Self.stackName(project: project, branch: branch)
    }

    public static func stackName(project: String, branch: String?) -> String {
        let raw = branch.map { "\(project)-\($0)" } ?? project
        return slug(raw, maxLength: 63)
    }

    /// Lower-case `[a-z0-9-]`; a 6-hex-digit hash of the raw text is appended when the text
    /// was changed beyond lower-casing or had to be cut.
    public static func slug(_ raw: String, maxLength: Int) -> String {
        let lower = raw.lowercased()
        var out = ""
        var lastDash = false
        for ch in lower.unicodeScalars {
            if ("a"..."z").contains(ch) || ("0"..."9").contains(ch) {
                out.unicodeScalars.append(ch); lastDash = false
            } else if !lastDash {
                out.append("-"); lastDash = true
            }
        }
        out = out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        let changed = out != lower || out.count > maxLength
        guard changed else { return out.isEmpty ? "devenv" : out }
        let suffix = String(fnv1a(raw), radix: 16).suffix(6)
        let keep = maxLength - 7
        var base = String(out.prefix(keep)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if base.isEmpty { base = "devenv" }
        return "\(base)-\(suffix)"
    }

    /// A stable 64-bit FNV-1a hash (Swift's `Hasher` is seeded per process).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return h
    }

    /// The labels on every container, volume and network of the stack.
    public var labels: [(String, String)] {
        [("dev.devenv.stack", stack), ("dev.devenv.project", project), ("dev.devenv.root", root), ("dev.devenv.branch", branch ?? "")]
    }
}
