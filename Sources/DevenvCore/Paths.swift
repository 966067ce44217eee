import Foundation

/// Where devenv keeps machine-wide state and configuration.
public struct DevenvPaths: Sendable {
    /// `$DEVENV_HOME`, else `$XDG_STATE_HOME/devenv`, else `~/.local/state/devenv`.
    public var home: String
    /// `$DEVENV_CONFIG_HOME`, else `$XDG_CONFIG_HOME/devenv`, else `~/.config/devenv`.
    public var config: String
    /// How damaged state files are rebuilt (from the engine); nil: damage is refused. Set by
    /// `DevenvContext` (registry) and `Project.planner` (the stack's credentials).
    public var recovery = StateRecovery()

    public init(environment: [String: String]) {
        let userHome = environment["HOME"] ?? NSHomeDirectory()
        if let h = environment["DEVENV_HOME"], !h.isEmpty { home = h }
        else if let x = environment["XDG_STATE_HOME"], !x.isEmpty { home = x + "/devenv" }
        else { home = userHome + "/.local/state/devenv" }
        if let c = environment["DEVENV_CONFIG_HOME"], !c.isEmpty { config = c }
        else if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { config = x + "/devenv" }
        else { config = userHome + "/.config/devenv" }
    }

    public var registryFile: String { home + "/registry.json" }
    public var registryLock: String { home + "/registry.lock" }
    public func stackDir(_ stack: String) -> String { home + "/stacks/" + stack }
    public func stackLock(_ stack: String) -> String { stackDir(stack) + "/lock" }
    public func credentialsFile(_ stack: String) -> String { stackDir(stack) + "/credentials.json" }
    public var imagesFile: String { config + "/images.yml" }
}

/// Rebuilders for damaged state, called under the file's lock with the damaged bytes. Each
/// returns the rebuilt value or throws a refusal that names the file and the way out.
/// The typed accessors live with the state they rebuild (DevenvPlan: `registry`, `credentials`).
public struct StateRecovery: Sendable {
    /// Rebuilders by the state file they rebuild.
    public var rebuilders: [String: any Sendable] = [:]
    public init() {}
}
