import Foundation
import DevenvCore

/// Every service kind devenv can use: the project's `.devenv/templates/services/` first, then
/// `$DEVENV_TEMPLATES`, then `<prefix>/share/devenv/templates` beside `<prefix>/bin/devenv`,
/// then the source tree the binary was built from. An earlier folder's kind wins.
///
/// A kind folder with problems does not stop the others: it is kept in `broken`, and only a
/// manifest that uses it fails, with the kind's own `service.yml:LINE:COLUMN` problems.
public struct KindCatalogue: Sendable {
    public var kinds: [String: ServiceKind]
    /// Kinds whose folder has problems, by name.
    public var broken: [String: ManifestError]
    public var searchPath: [String]

    public init(kinds: [String: ServiceKind], broken: [String: ManifestError] = [:], searchPath: [String] = []) {
        self.kinds = kinds; self.broken = broken; self.searchPath = searchPath
    }

    public static func defaultSearchPath(environment: [String: String], projectRoot: String?) -> [String] {
        var dirs: [String] = []
        if let root = projectRoot { dirs.append(root + "/.devenv/templates") }
        if let env = environment["DEVENV_TEMPLATES"], !env.isEmpty { dirs.append(env) }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        dirs.append(exe.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/devenv/templates").path)
        var sourceTree = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { sourceTree = sourceTree.deletingLastPathComponent() }   // Sources/DevenvSpec/Kind/this file
        dirs.append(sourceTree.appendingPathComponent("templates").path)
        return dirs
    }

    public static func load(searchPath: [String]) throws -> KindCatalogue {
        var catalogue = KindCatalogue(kinds: [:], searchPath: searchPath)
        var foundAny = false
        for dir in searchPath {
            let services = dir + "/services"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: services) else { continue }
            foundAny = true
            for name in names.sorted() where catalogue.kinds[name] == nil && catalogue.broken[name] == nil {
                let folder = services + "/" + name
                guard FileManager.default.fileExists(atPath: folder + "/service.yml") else { continue }
                switch KindLoader.load(folder: folder) {
                case .success(let kind): catalogue.kinds[name] = kind
                case .failure(let problems): catalogue.broken[name] = problems
                }
            }
        }
        guard foundAny else {
            throw DevenvError("cannot find devenv's service templates (looked in \(searchPath.joined(separator: ", ")))",
                              hint: "Reinstall with `make install`, or set DEVENV_TEMPLATES to the templates folder.")
        }
        return catalogue
    }

    /// Every kind name, broken ones included (a manifest naming one gets its problems).
    public var names: [String] { Array(Set(kinds.keys).union(broken.keys)).sorted() }
}
