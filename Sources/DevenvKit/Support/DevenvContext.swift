import Foundation

/// What every command runs with: where it is, its environment, where it writes, how it
/// runs processes and reaches the engine. Built once in the executable, passed down.
public final class DevenvContext: @unchecked Sendable {
    public let cwd: String
    public let environment: [String: String]
    public let paths: DevenvPaths
    public let output: Output
    public let runner: ProcessRunning
    public let engine: any ContainerEngine
    /// Readiness questions from the host (`HostProber`; tests answer themselves).
    public let prober: any Prober
    /// The clock: what "now" is for ledgers, registry dates and timings.
    public let now: @Sendable () -> Date

    public init(cwd: String, environment: [String: String], output: Output, runner: ProcessRunning,
                engine: (any ContainerEngine)? = nil, prober: any Prober = HostProber(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.cwd = cwd
        self.environment = environment
        self.paths = DevenvPaths(environment: environment)
        self.output = output
        self.runner = runner
        self.engine = engine ?? EngineClient.from(environment: environment)
        self.prober = prober
        self.now = now
    }

    /// The context of the running binary.
    public static func live() -> DevenvContext {
        let env = ProcessInfo.processInfo.environment
        return DevenvContext(cwd: FileManager.default.currentDirectoryPath, environment: env,
                             output: Output(environment: env), runner: ProcessRunner())
    }
}
