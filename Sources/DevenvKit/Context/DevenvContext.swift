import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What every command runs with: where it is, its environment, where it writes, how it
/// runs processes and reaches the engine. Built once in the executable, passed down.
public final class DevenvContext: Sendable {
    public let cwd: String
    public let environment: [String: String]
    public let paths: DevenvPaths
    public let output: Output
    /// Runs commands; every `docker` command is bound to `engine` (``EngineBoundRunner``).
    public let runner: ProcessRunning
    /// The one engine this command talks to (`--context`, DOCKER_HOST, DOCKER_CONTEXT, …).
    public let engine: any ContainerEngine
    /// Readiness questions from the host (`HostProber`; tests answer themselves).
    public let prober: any Prober
    /// The clock: what "now" is for ledgers, registry dates and timings.
    public let now: @Sendable () -> Date

    public init(cwd: String, environment: [String: String], output: Output, runner: ProcessRunning,
                engine: (any ContainerEngine)? = nil, dockerContext: String? = nil, prober: any Prober = HostProber(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.cwd = cwd
        self.environment = environment
        let engine = engine ?? EngineClient.resolve(contextOption: dockerContext, environment: environment)
        var paths = DevenvPaths(environment: environment)
        let registryFile = paths.registryFile
        let range = (try? PortRange.from(environment: environment)) ?? .default
        paths.recovery.registry = { damaged in
            let rebuilt = try RegistryRecovery(engine: engine, environment: environment, range: range).rebuildReporting(path: registryFile, damaged: damaged)
            output.errorOnce(key: "rebuilt " + registryFile, RegistryRecovery.note(rebuilt, file: registryFile, damaged: damaged))
            return rebuilt.registry
        }
        self.paths = paths
        ScramKeyFile.path.with { $0 = paths.home + "/cache/scram-keys.json" }
        self.output = output
        self.engine = engine
        self.runner = EngineBoundRunner(runner, engine: engine)
        self.prober = prober
        self.now = now
    }

    /// The context of the running binary.
    /// `dockerContext`: the `--context` option.
    public static func live(dockerContext: String? = nil, directory: String? = nil) -> DevenvContext {
        let env = ProcessInfo.processInfo.environment
        let cwd = FileManager.default.currentDirectoryPath
        let dir = directory.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd
        return DevenvContext(cwd: dir, environment: env, output: Output(environment: env), runner: ProcessRunner(), dockerContext: dockerContext)
    }
}
