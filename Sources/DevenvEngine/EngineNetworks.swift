import Foundation
import DevenvCore
import DevenvPlatform

/// Read-only network questions to the Engine API (listing by label).
extension ContainerEngine {
    /// Every network carrying `label` (`key` or `key=value`).
    public func networks(label: String) throws -> [NetworkInfo] {
        let filters = "{\"label\":[\"\(label)\"]}"
        let q = filters.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filters
        let (status, body) = try get("/networks?filters=\(q)")
        guard status == 200 else { throw DevenvError("the engine answered HTTP \(status) to a network list") }
        return try JSONDecoder().decode([NetworkInfo].self, from: body)
    }
}

/// One entry of `GET /networks`.
public struct NetworkInfo: Decodable, Sendable {
    public var id: String
    public var name: String
    public var labels: [String: String]

    package enum CodingKeys: String, CodingKey { case id = "Id", name = "Name", labels = "Labels" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
