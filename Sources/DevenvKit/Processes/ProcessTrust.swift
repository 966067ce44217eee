import Foundation

/// Process commands are host commands taken from devenv.yml: they run only once the user
/// trusted the manifest's content.
enum ProcessTrust {
    /// Returns when the manifest's process commands may run. `interactive`: may ask on a
    /// terminal (a background supervisor never asks).
    static func require(_ ctx: DevenvContext, project: Project, interactive: Bool) throws {
        // Wired to the manifest trust step once it lands (see the report).
    }
}
