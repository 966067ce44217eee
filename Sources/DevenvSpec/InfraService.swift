import DevenvCore
/// The backing services a staging value can point at.
public enum InfraService: String, Sendable, CaseIterable {
    case postgres, mongodb, redis, s3
}
