import DevenvCore
import Foundation
import DevenvEngine
import DevenvSpec
import DevenvPlatform

extension StateRecovery {
    /// Rebuilds a damaged registry (from the engine's devenv containers).
    public var registry: (@Sendable (_ damaged: Data) throws -> Registry)? {
        get { rebuilders["registry"] as? @Sendable (Data) throws -> Registry }
        set { rebuilders["registry"] = newValue }
    }
    /// Rebuilds a stack's damaged credentials (from its containers).
    public var credentials: (@Sendable (_ stack: String, _ damaged: Data) throws -> Credentials.Store)? {
        get { rebuilders["credentials"] as? @Sendable (String, Data) throws -> Credentials.Store }
        set { rebuilders["credentials"] = newValue }
    }
}
