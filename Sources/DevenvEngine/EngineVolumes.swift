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
        return try JSONDecoder().decode(VolumeList.self, from: body).Volumes ?? []
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

    package enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels", createdAt = "CreatedAt" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
    }
}

/// `GET /volumes`.
package struct VolumeList: Decodable { var Volumes: [VolumeInfo]? }
