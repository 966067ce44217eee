import Foundation
import DevenvCore
import DevenvPlatform

/// How a container ended, from the engine's `die` event (with `oom` when one came first).
public struct ContainerExit: Sendable, Equatable {
    public var container: String
    /// The compose service label, when the container has one.
    public var service: String?
    public var code: Int
    public var oomKilled: Bool
}

extension ContainerEngine {
    /// The `die` events between two times (oldest first) for the containers `filters` selects
    /// (Engine API filters, e.g. `["label": ["com.docker.compose.project=shop"]]`). A
    /// container's own exit code is reset when its restart policy starts it again; these keep it.
    public func exits(filters: [String: [String]], since: Date?, until: Date = Date()) throws -> [ContainerExit] {
        var all = filters
        all["type"] = ["container"]
        all["event"] = ["die", "oom"]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys]), as: UTF8.self)
        let q = json.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? json
        let path = "/events?since=\(since.map(Self.timestamp) ?? "0")&until=\(Self.timestamp(until))&filters=\(q)"
        let (status, body) = try get(path, timeout: 5)
        guard status == 200 else { throw DevenvError("the engine answered HTTP \(status) to an events query") }
        return Self.parseExits(body)
    }

    /// The last exit code of one container, if the engine still remembers its `die` event.
    public func lastExit(container id: String) -> ContainerExit? {
        (try? exits(filters: ["container": [id]], since: nil))?.last
    }

    /// Newline-separated event objects → exits, oldest first.
    package static func parseExits(_ body: Data) -> [ContainerExit] {
        var out: [ContainerExit] = []
        var oom = Set<String>()
        for line in body.split(separator: UInt8(ascii: "\n")) {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let actor = obj["Actor"] as? [String: Any], let id = actor["ID"] as? String else { continue }
            let attrs = actor["Attributes"] as? [String: String] ?? [:]
            switch obj["Action"] as? String ?? obj["status"] as? String {
            case "oom": oom.insert(id)
            case "die":
                out.append(ContainerExit(container: id, service: attrs["com.docker.compose.service"],
                                         code: Int(attrs["exitCode"] ?? "") ?? -1, oomKilled: oom.remove(id) != nil))
            default: break
            }
        }
        return out
    }

    /// Seconds since 1970 with nanoseconds, as the Engine API takes them.
    package static func timestamp(_ d: Date) -> String { String(format: "%.9f", d.timeIntervalSince1970) }
}
