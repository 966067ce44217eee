import Foundation
@testable import DevenvEngine
@testable import DevenvKit

extension SimulatedDocker {
    /// The recorded commands from the `from`-th on, one short line each, for order assertions:
    /// `shop: stop postgres redis`, `volume create NAME`, `run copy A -> B`, `run stage A -> B`,
    /// `run swap B`, `run unstage B`, `run live -> B`, `exec current`, `run version A`,
    /// `shop: exec postgres < seed.sql` (`docker exec` in a container by id reads as `compose exec`).
    func steps(from: Int = 0) -> [String] {
        let containers = state.value.containers
        return commands.dropFirst(from).map { c in
            let a = c.arguments
            if a.first == "exec", let id = a.dropFirst().first, let box = containers.first(where: { $0.id == id }) {
                return "\(box.project): exec \(box.service)"
            }
            return Self.step(c)
        }
    }

    static func step(_ c: Command) -> String {
        let a = c.arguments
        if a.first == "compose", let p = a.firstIndex(of: "--project-name"), let f = a.firstIndex(of: "--file") {
            let verb = withoutProfiles(Array(a[(f + 2)...]))
            if verb.first == "exec" {
                let service = verb.dropFirst().first { !$0.hasPrefix("-") } ?? "?"
                return "\(a[p + 1]): exec \(service)" + (c.stdinFile.map { " < " + ($0 as NSString).lastPathComponent } ?? "")
            }
            return "\(a[p + 1]): " + verb.joined(separator: " ")
        }
        switch a.first {
        case "exec" where a.dropFirst().first == "--user":   // `copy.layered.current` in the parent's container
            return "exec current"
        case "volume":
            return "volume \(a.dropFirst().first ?? "") " + (a.dropFirst().first == "create" ? (a.last ?? "") : a.dropFirst(2).joined(separator: " "))
        case "run":
            let r = Run(a)
            switch r.kind {
            case .live(_, let target): return target.map { "run live -> \($0)" } ?? "run current"
            case .stage(let from, let to): return "run stage \(from) -> \(to)"
            case .swap(let to): return "run swap \(to)"
            case .unstage(let to): return "run unstage \(to)"
            case .copy(let from, let to): return "run copy \(from) -> \(to)"
            case .reflink(let base, let into): return "run reflink \(base) -> \(into)"
            case .mount(let data, let base): return "run mount \(data) on \(base)"
            case .version(let volume): return "run version \(volume)"
            case .other: return "run \(r.task ?? "task") " + r.mounts.values.sorted().joined(separator: " ")
            }
        default:
            return a.joined(separator: " ")
        }
    }
}
