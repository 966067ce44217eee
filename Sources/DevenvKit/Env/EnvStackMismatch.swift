import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A `.env` value in the project that points at another stack than the one this folder's
/// branch uses: another stack's host port (`DATABASE_URL=…@127.0.0.1:26010/app`) or one of its
/// passwords. Typical after a branch switch or a copied worktree: the app would write into the
/// other stack's database. `doctor` and `status` name each one; `devenv env` fixes them.
public struct EnvStackMismatch: Encodable, Equatable, Sendable {
    /// The file, relative to the project root (`api/.env`).
    public var file: String
    public var key: String
    /// The stack the value points at.
    public var stack: String
    /// What gave it away: `port 26010` or `password`.
    public var via: String

    enum CodingKeys: String, CodingKey { case file, key, stack, via }

    /// `api/.env: DATABASE_URL points at stack shop-main (port 26010)`.
    public var summary: String { "\(file): \(key) points at stack \(stack) (\(via))" }

    /// The values of `actual` (a file's keys) that differ from `planned` (this stack's) and
    /// name another stack's port or secret (pure). `ports`: host port → stack; `secrets`:
    /// secret value → stack (both of the other stacks only).
    static func find(file: String, planned: [(key: String, value: String)], actual: [String: String],
                     ports: [Int: String], secrets: [String: String]) -> [EnvStackMismatch] {
        planned.compactMap { key, value in
            guard let found = actual[key], found != value else { return nil }
            for port in hostPorts(found) {
                if let stack = ports[port] { return EnvStackMismatch(file: file, key: key, stack: stack, via: "port \(port)") }
            }
            for (secret, stack) in secrets.sorted(by: { $0.key < $1.key }) where found.contains(secret) {
                return EnvStackMismatch(file: file, key: key, stack: stack, via: "password")
            }
            return nil
        }
    }

    /// Port numbers a value names: the whole value (`PGPORT=26010`), or `host:PORT` at the end
    /// or before `/`, `?` or `#` (a URL's authority; `user:password@` is not a port).
    static func hostPorts(_ value: String) -> [Int] {
        if let whole = Int(value), (1...65535).contains(whole) { return [whole] }
        guard let re = try? NSRegularExpression(pattern: ":([0-9]{1,5})(?=[/?#]|$)") else { return [] }
        let ns = value as NSString
        return re.matches(in: value, range: NSRange(location: 0, length: ns.length)).compactMap { Int(ns.substring(with: $0.range(at: 1))) }
    }

    /// Every mismatch in the plan's `.env` targets. Read-only; a file that cannot be read or
    /// parsed is skipped (`devenv env --check` reports it).
    public static func scan(_ plan: StackPlan, paths: DevenvPaths) -> [EnvStackMismatch] {
        guard let registry = try? Registry.readOnly(paths), let targets = try? EnvStage.targets(plan) else { return [] }
        let own = plan.identity.stack
        var ports: [Int: String] = [:], secrets: [String: String] = [:]
        for (stack, entry) in registry.stacks where stack != own {
            for port in entry.ports.values { ports[port] = stack }
            guard let (store, _) = try? Credentials.read(stack: stack, paths: paths) else { continue }
            for value in store.values.flatMap(\.values) where value.count >= 8 { secrets[value] = stack }
        }
        for s in plan.services { for (_, v) in s.secrets { secrets.removeValue(forKey: v) } }   // shared: not a sign
        for p in plan.services.flatMap(\.ports) { ports.removeValue(forKey: p.host) }
        guard !ports.isEmpty || !secrets.isEmpty else { return [] }
        return targets.flatMap { t -> [EnvStackMismatch] in
            guard let file = try? EnvFile.open(t.path, root: plan.manifest.root), let text = file.text,
                  let values = try? Dotenv.parse(text, file: t.path) else { return [] }
            return find(file: t.path, planned: t.values, actual: Dictionary(values.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }),
                        ports: ports, secrets: secrets)
        }
    }

    /// The fix, for doctor and status.
    public static let fix = "Run `devenv env` in this folder: it rewrites the managed keys with this branch's stack's values (your other lines stay)."
}
