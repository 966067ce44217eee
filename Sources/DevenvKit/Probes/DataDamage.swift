import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Telling a service that can never start from its data folder (a first start cut short) from
/// one that is merely slow: the kind's `damaged_data:` log lines, looked for in the container's
/// recent log while `up` waits, and the fix said in the user's words.
public enum DataDamage {
    /// The rendered patterns per service.
    public static func patterns(_ services: [PlannedService]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for s in services {
            guard let kind = s.kind, !kind.damagedData.isEmpty else { continue }
            out[s.name] = kind.damagedData.compactMap { try? kind.render($0, s.context) }.filter { !$0.isEmpty }
        }
        return out
    }

    /// The first recent log line of container `id` holding one of `patterns`.
    public static func scan(_ engine: any ContainerEngine, container id: String, patterns: [String]) -> String? {
        guard !patterns.isEmpty, let (status, body) = try? engine.get("/containers/\(id)/logs?stdout=1&stderr=1&tail=60"), status == 200 else { return nil }
        for line in demultiplex([UInt8](body)).split(separator: "\n") where patterns.contains(where: { line.contains($0) }) {
            return line.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The Engine API's log stream for a container without a TTY: frames of an 8-byte header
    /// (stream, 0, 0, 0, big-endian length) and the payload. Plain text is returned as is.
    static func demultiplex(_ b: [UInt8]) -> String {
        var out = [UInt8](), i = 0
        while i + 8 <= b.count, b[i] <= 2, b[i + 1] == 0, b[i + 2] == 0, b[i + 3] == 0 {
            let n = Int(b[i + 4]) << 24 | Int(b[i + 5]) << 16 | Int(b[i + 6]) << 8 | Int(b[i + 7])
            out += b[(i + 8)..<min(b.count, i + 8 + n)]
            i += 8 + n
        }
        return String(decoding: i == 0 ? b : out, as: UTF8.self)
    }

    /// The reason a waiter gives when a damaged-data line was seen.
    public static func reason(_ line: String) -> String {
        "cannot start from its data folder, which looks half-initialised (a first start was cut short); its log says: \(line.prefix(160))"
    }

    /// What to do about a service that failed readiness, in the user's words.
    public static func hint(service: String, result: ReadinessWaiter.Result) -> String? {
        guard case .failed(let why) = result else { return nil }
        let reset = "`devenv reset \(service)` deletes \(service)'s data and starts it fresh, applying its seeds again "
            + "(keep a copy first with `devenv snapshot save NAME` if the data matters)."
        if why.contains("half-initialised") || why.contains("initialised only part-way") { return reset }
        if why.contains("another password") {
            return "Put back the stack's credentials file if you have a good copy (`devenv` keeps a damaged one beside it as credentials.json.damaged-…); otherwise " + reset
        }
        return nil
    }
}
