import Foundation

/// Finds the service kinds: the project's `.devenv/templates/services/` first, then
/// `$DEVENV_TEMPLATES`, then `<prefix>/share/devenv/templates` beside `<prefix>/bin/devenv`,
/// then the source tree the binary was built from.
public struct TemplateStore: Sendable {
    public var kinds: [String: ServiceKind]
    public var searchPath: [String]

    public static func defaultSearchPath(environment: [String: String], projectRoot: String?) -> [String] {
        var dirs: [String] = []
        if let root = projectRoot { dirs.append(root + "/.devenv/templates") }
        if let env = environment["DEVENV_TEMPLATES"], !env.isEmpty { dirs.append(env) }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let exeDir = exe.deletingLastPathComponent()
        dirs.append(exeDir.deletingLastPathComponent().appendingPathComponent("share/devenv/templates").path)
        let sourceTree = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        dirs.append(sourceTree.appendingPathComponent("templates").path)
        return dirs
    }

    /// Loads every kind; an earlier directory's kind wins over a later one's of the same name.
    public static func load(searchPath: [String]) throws -> TemplateStore {
        var kinds: [String: ServiceKind] = [:]
        var foundAny = false
        for dir in searchPath {
            let services = dir + "/services"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: services) else { continue }
            foundAny = true
            for name in names.sorted() where kinds[name] == nil {
                let folder = services + "/" + name
                guard FileManager.default.fileExists(atPath: folder + "/service.yml") else { continue }
                kinds[name] = try ServiceKind.load(folder: folder)
            }
        }
        guard foundAny else {
            throw DevenvError("cannot find devenv's service templates (looked in \(searchPath.joined(separator: ", ")))",
                              hint: "Reinstall with `make install`, or set DEVENV_TEMPLATES to the templates folder.")
        }
        return TemplateStore(kinds: kinds, searchPath: searchPath)
    }

    public var kindSettings: [String: [String]] { kinds.mapValues(\.settings) }
}
