import DevenvCore
/// The backing services a staging value can point at: the mirror protocols a kind's
/// `mirror.protocol` names. Each declares the kind values it reads (checked when the kind loads).
public enum InfraService: String, Sendable, CaseIterable {
    case postgres, mongodb, redis, s3

    /// The `values:` a kind speaking this protocol must give: what `devenv mirror` points
    /// staging's URLs at (DevenvKit/Staging/MirrorLocal).
    public var requiredValues: [String] {
        switch self {
        case .postgres, .mongodb, .redis: ["url"]
        case .s3: ["endpoint", "access_key", "secret_key"]
        }
    }

    /// Whether this protocol matches staging's names (databases, buckets) against the list
    /// setting `mirror.names` names.
    public var readsNames: Bool { self != .redis }
}
