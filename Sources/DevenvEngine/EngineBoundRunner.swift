import Foundation
import DevenvCore
import DevenvPlatform

/// Every `docker` command devenv runs goes to the resolved engine: this runner sets the
/// endpoint's `DOCKER_HOST` (and TLS variables, with `DOCKER_CONTEXT` cleared) on each
/// `docker` Command before the real runner sees it, so compose and the Engine API reads can
/// never talk to two engines. Other commands pass through unchanged.
public struct EngineBoundRunner: ProcessRunning {
    public let inner: ProcessRunning
    public let engine: any ContainerEngine

    public init(_ inner: ProcessRunning, engine: any ContainerEngine) {
        self.inner = (inner as? EngineBoundRunner)?.inner ?? inner
        self.engine = engine
    }

    /// `command` with the engine's environment when it runs `docker` (pure: unit-tested).
    public static func bind(_ command: Command, environment: [String: String]) -> Command {
        guard command.executable == "docker" || command.executable.hasSuffix("/docker") else { return command }
        var c = command
        for (k, v) in environment where c.environment[k] == nil { c.environment[k] = v }
        return c
    }

    public func bind(_ command: Command) throws -> Command {
        guard command.executable == "docker" || command.executable.hasSuffix("/docker") else { return command }
        return Self.bind(command, environment: try engine.dockerEnvironment())
    }

    public func capture(_ command: Command) async throws -> CommandResult { try await inner.capture(try bind(command)) }
    public func attach(_ command: Command) async throws -> Int32 { try await inner.attach(try bind(command)) }
    public func supervise(_ command: Command, started: @escaping @Sendable (Int32) -> Void,
                          line: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        try await inner.supervise(try bind(command), started: started, line: line)
    }
    public func exec(_ command: Command) throws -> Never { try inner.exec(try bind(command)) }
    public func detach(_ command: Command, output: String) throws -> Int32 { try inner.detach(try bind(command), output: output) }
}
