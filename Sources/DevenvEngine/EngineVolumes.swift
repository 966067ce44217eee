import Foundation
import DevenvCore
import DevenvPlatform

/// Read-only volume questions to the Engine API (listing by label, sizes).
extension ContainerEngine {
    /// Every volume carrying `label` (`key` or `key=value`).
    public func volumes(label: String) throws -> [VolumeInfo] {
        let filters = "{\"label\":[\"\(label)\"]}"
        let q = filters.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filters
        let (status, body) = try get("/volumes?filters=\(q)")
        guard status == 200 else { throw DevenvError("the engine answered HTTP \(status) to a volume list") }
        return try VolumeInfo.list(body)
    }

    /// Where the engine keeps a volume's data, as the engine sees it (`Mountpoint` of
    /// `GET /volumes/NAME`): a path in the engine's own file system, which for Docker Desktop
    /// or a remote engine is inside its VM or host, never on this machine.
    public func volumeMountpoint(_ name: String) throws -> String {
        let q = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        let (status, body) = try get("/volumes/\(q)")
        guard status == 200 else { throw DevenvError("the engine answered HTTP \(status) to inspecting volume \(name)") }
        guard let obj = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let mountpoint = obj["Mountpoint"] as? String, !mountpoint.isEmpty else {
            throw DevenvError("the engine does not say where volume \(name) keeps its data")
        }
        return mountpoint
    }

    /// Bytes used by each volume, by name (`docker system df -v`); empty when the engine
    /// does not say.
    public func volumeSizes() -> [String: Int64] {
        guard let (status, body) = try? get("/system/df", timeout: 60), status == 200,
              let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let volumes = obj["Volumes"] as? [[String: Any]] else { return [:] }
        var out: [String: Int64] = [:]
        for v in volumes {
            guard let name = v["Name"] as? String, let usage = v["UsageData"] as? [String: Any],
                  let size = (usage["Size"] as? NSNumber)?.int64Value, size >= 0 else { continue }
            out[name] = size
        }
        return out
    }
}

/// One entry of `GET /volumes`.
public struct VolumeInfo: Decodable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var createdAt: String?

    /// An entry as the Engine API writes it (`Name`, `Labels`, `CreatedAt`); nil without a name.
    public init?(json: JSON) {
        guard let name = json["Name"]?.string else { return nil }
        self.name = name
        labels = json["Labels"]?.strings ?? [:]
        createdAt = json["CreatedAt"]?.string
    }

    /// The body of `GET /volumes` (`{"Volumes": [...]}`), read without `JSONDecoder` (``JSON/read(_:)``).
    public static func list(_ body: Data) throws -> [VolumeInfo] {
        guard let top = try? JSON.read(body), case .object = top else { throw DevenvError("the engine's volume list is not a JSON object") }
        return try (top["Volumes"]?.array ?? []).map { item in
            guard let v = VolumeInfo(json: item) else { throw DevenvError("the engine listed a volume without a name") }
            return v
        }
    }

    /// Decodable through ``init(json:)`` (tests build volumes from the API's JSON).
    public init(from decoder: Decoder) throws {
        guard let v = VolumeInfo(json: try JSON(from: decoder)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a volume without a name"))
        }
        self = v
    }
}
