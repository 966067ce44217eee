import Foundation

/// What every command runs with: where it is, its environment, where it writes, how it
/// runs processes and reaches the engine. Built once in the executable, passed down.
public final class DevenvContext: @unchecked Sendable {
    public let cwd: String
    public let environment: [String: String]
    public let paths: DevenvPaths
    public let output: Output
    public let runner: ProcessRunning
    public let engine: EngineClient
    public let now: () -> Date

    public init(cwd: String, environment: [String: String], output: Output, runner: ProcessRunning,
                engine: EngineClient? = nil, now: @escaping () -> Date = Date.init) {
        self.cwd = cwd
        self.environment = environment
        let engine = engine ?? EngineClient.from(environment: environment)
        var paths = DevenvPaths(environment: environment)
        let registryFile = paths.registryFile
        let range = (try? PortRange.from(environment: environment)) ?? .default
        paths.recovery.registry = { damaged in
            let rebuilt = try RegistryRecovery(engine: engine, environment: environment, range: range).rebuild(path: registryFile, damaged: damaged)
            output.error("note: the registry \(registryFile) was damaged (\(damaged.isEmpty ? "empty" : "not valid JSON")); rebuilt it from the engine's "
                + "devenv containers (\(rebuilt.stacks.count) stack\(rebuilt.stacks.count == 1 ? "" : "s"), their ports kept); the damaged file is kept beside it")
            return rebuilt
        }
        self.paths = paths
        self.output = output
        self.runner = runner
        self.engine = engine
        self.now = now
    }

    /// The context of the running binary.
    public static func live() -> DevenvContext {
        let env = ProcessInfo.processInfo.environment
        return DevenvContext(cwd: FileManager.default.currentDirectoryPath, environment: env,
                             output: Output(environment: env), runner: ProcessRunner())
    }
}
