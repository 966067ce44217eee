import Foundation
import Yams
import DevenvCore

/// Per-machine image rewriting (corporate mirrors, air-gapped machines), applied before
/// compose sees the file.
///
/// Sources, later ones winning: `~/.config/devenv/images.yml` (or `$DEVENV_IMAGES_FILE`),
/// then `$DEVENV_IMAGE_MAP` (`from=to,from=to`). A rule matches a whole reference
/// (`postgres:15`) or a repository (`postgres` → `mirror.corp/postgres`, keeping the tag).
public struct ImageMap: Sendable, Equatable {
    public var rules: [String: String]
    public var sources: [String]

    public init(rules: [String: String] = [:], sources: [String] = []) {
        self.rules = rules
        self.sources = sources
    }

    public static func load(environment: [String: String], paths: DevenvPaths) throws -> ImageMap {
        var map = ImageMap()
        let file = environment["DEVENV_IMAGES_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? paths.imagesFile
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            do {
                let node = try YAMLBasic.compose(text)
                guard let images = node?["images"]?.mapping ?? (node == nil ? YAMLBasic.mapping([]) : nil) else {
                    throw DevenvError.usage("\(file): expected 'images:' mapping image names to replacements")
                }
                for (k, v) in images {
                    guard let from = k.string, let to = v.string else { continue }
                    map.rules[from] = to
                }
                map.sources.append(file)
            } catch let e as YamlError {
                let p = YamlProblem.problem(from: e)
                throw DevenvError.usage("\(file):\(p.line):\(p.column): \(p.message)")
            }
        }
        if let inline = environment["DEVENV_IMAGE_MAP"], !inline.isEmpty {
            for pair in inline.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw DevenvError.usage("DEVENV_IMAGE_MAP entry '\(pair)' must look like from=to")
                }
                map.rules[parts[0]] = parts[1]
            }
            map.sources.append("DEVENV_IMAGE_MAP")
        }
        return map
    }

    public func resolve(_ image: String) -> String {
        if let exact = rules[image] { return exact }
        let (repo, tag) = Self.split(image)
        if let to = rules[repo] {
            return tag.map { "\(to):\($0)" } ?? to
        }
        return image
    }

    /// `registry:5000/ns/name:tag` → (`registry:5000/ns/name`, `tag`); digests stay in the repo part.
    package static func split(_ image: String) -> (String, String?) {
        if image.contains("@") { return (image, nil) }
        guard let colon = image.lastIndex(of: ":"), !image[colon...].contains("/") else { return (image, nil) }
        return (String(image[..<colon]), String(image[image.index(after: colon)...]))
    }
}
