import Foundation
import PackagePlugin

/// Compiles the kinds' folders (`templates/services/*/`) into the binary: a build command
/// that turns them into one Swift source, rerun whenever a file under `templates/services`
/// changes. The installed `devenv` needs no templates folder; a team's own kinds still load
/// from folders (see `KindCatalogue`).
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
        let output = context.pluginWorkDirectoryURL.appending(path: "BuiltinKinds.swift")
        return [.buildCommand(displayName: "Embedding \(inputs.count) kind files",
                              executable: try context.tool(named: "embed-kinds").url,
                              arguments: [services.path, output.path],
                              inputFiles: inputs.sorted { $0.path < $1.path },
                              outputFiles: [output])]
    }
}
