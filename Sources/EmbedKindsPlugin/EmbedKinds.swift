import Foundation
import PackagePlugin

/// Compiles the kinds' folders (`templates/services/*/`) into the binary: a build command
/// that turns them into one Swift source, rerun whenever a file under `templates/services`
/// changes. The installed `devenv` needs no templates folder; a team's own kinds still load
/// from folders (see `KindCatalogue`). It also writes `BuildInfo.commit` for `--version`.
@main
struct EmbedKinds: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let services = context.package.directoryURL.appending(path: "templates/services")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: services, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(url)
            }
        }
        // The commit `devenv --version` names: HEAD and the ref it points at, so a new commit rebuilds it.
        let git = context.package.directoryURL.appending(path: ".git")
        var gitInputs = [git.appending(path: "HEAD"), git.appending(path: "packed-refs")]
        if let head = try? String(contentsOf: git.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            gitInputs.append(git.appending(path: head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        gitInputs = gitInputs.filter { FileManager.default.fileExists(atPath: $0.path) }
        let output = context.pluginWorkDirectoryURL.appending(path: "BuiltinKinds.swift")
        let buildInfo = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        return [.buildCommand(displayName: "Embedding \(inputs.count) kind files",
                              executable: try context.tool(named: "embed-kinds").url,
                              arguments: [services.path, output.path, git.path, buildInfo.path],
                              inputFiles: inputs.sorted { $0.path < $1.path } + gitInputs,
                              outputFiles: [output, buildInfo])]
    }
}
