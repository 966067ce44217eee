/// A container's state as the Engine API names it: `State` in `GET /containers/json`,
/// `State.Status` in `GET /containers/{id}/json`. A word devenv does not know (another
/// engine's, a newer API's, or none at all) is kept as ``other(_:)``: it is shown, and counts
/// as not running, but never fails a decode.
public enum ContainerState: Sendable, Hashable, CustomStringConvertible {
    case created, running, paused, restarting, removing, exited, dead
    /// Any other word, as the engine wrote it ("" when it wrote none).
    case other(String)

    /// Every state the Engine API documents.
    public static let known: [ContainerState] = [.created, .running, .paused, .restarting, .removing, .exited, .dead]

    /// The engine's word (case-insensitive; an unknown one becomes ``other(_:)``).
    public init(engineWord word: String) {
        let lower = word.lowercased()
        self = Self.known.first { $0.engineWord == lower } ?? .other(word)
    }

    /// The word the Engine API uses for this state.
    public var engineWord: String {
        switch self {
        case .created: "created"
        case .running: "running"
        case .paused: "paused"
        case .restarting: "restarting"
        case .removing: "removing"
        case .exited: "exited"
        case .dead: "dead"
        case .other(let word): word
        }
    }

    public var description: String {
        if case .other(let word) = self, word.isEmpty { return "unknown" }
        return engineWord
    }

    /// It has stopped for good (until started again): exited or dead.
    public var hasEnded: Bool { self == .exited || self == .dead }

    /// DESIGN's `state` of a service: a running container is `running`, and so is one its
    /// restart policy is restarting (between runs, not stopped); any other is `stopped`.
    public var runState: RunState { RunState(self) }
}

extension ContainerState: Codable {
    public init(from decoder: Decoder) throws {
        self.init(engineWord: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(engineWord)
    }
}

/// A service's `state` in the machine interface (`status --json`, `up --json`; DESIGN
/// "Machine interface"): `running`, `stopped` or `missing`.
public enum RunState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case running, stopped, missing

    /// The one mapping from the engine's state: running or restarting → `running`, any other
    /// container → `stopped`, no container (nil) → `missing`.
    public init(_ container: ContainerState?) {
        switch container {
        case nil: self = .missing
        case .running?, .restarting?: self = .running
        case _?: self = .stopped
        }
    }

    public var description: String { rawValue }
}
