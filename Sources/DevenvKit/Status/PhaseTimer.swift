import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// How long each phase of `up` took, per service. `up` owns one and passes it to each stage
/// (pull, start, readiness, setup and seeds); stages record what they measured.
///
/// Invariant: a phase that did not run for a service (nothing to pull, the stack was already
/// up) has no value, never a zero. Thread-safe: readiness is recorded from probe threads.
public final class PhaseTimer: Sendable {
    public enum Phase: String, CaseIterable, Sendable {
        case pulling, starting, readiness, seeding

        /// The word in the compact human line.
        var short: String {
            switch self {
            case .pulling: "pull"
            case .starting: "start"
            case .readiness: "ready"
            case .seeding: "seed"
            }
        }
    }

    private let values = Locked<[String: [Phase: Double]]>([:])

    public init() {}

    /// Sets `phase` of each of `services` to `seconds` (a phase several services shared,
    /// such as one `compose up`, is recorded for each).
    public func record(_ phase: Phase, _ services: [String], seconds: Double) {
        values.with { values in for s in services { values[s, default: [:]][phase] = seconds } }
    }

    /// Adds `seconds` to `phase` of `service` (seeding runs several steps).
    public func add(_ phase: Phase, _ service: String, seconds: Double) {
        values.with { $0[service, default: [:]][phase, default: 0] += seconds }
    }

    /// Runs `body` and records its duration for `services`, even when it throws.
    @discardableResult
    public func measure<T>(_ phase: Phase, _ services: [String], _ body: () async throws -> T) async rethrows -> T {
        let start = Date()
        defer { record(phase, services, seconds: Date().timeIntervalSince(start)) }
        return try await body()
    }

    public func seconds(_ phase: Phase, _ service: String) -> Double? {
        values.value[service]?[phase]
    }

    /// The timings of `services` (in that order) and the whole run.
    public func timings(services: [String], total: Double) -> UpTimings {
        let values = values.value
        let list = services.map { s in
            ServiceTimings(name: s, pulling: values[s]?[.pulling], starting: values[s]?[.starting],
                           readiness: values[s]?[.readiness], seeding: values[s]?[.seeding])
        }
        return UpTimings(total: total, services: list)
    }
}

/// The `timings` object of `up --json`:
/// `{"total": 7.31, "services": {"db": {"pulling": null, "starting": 1.1, "readiness": 6.1, "seeding": 0.2}}}`.
/// Seconds, rounded to milliseconds; `null` for a phase that did not run.
public struct UpTimings: Encodable, Equatable, Sendable {
    public var total: Double
    public var services: [ServiceTimings]

    enum CodingKeys: String, CodingKey { case total, services }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.round(total), forKey: .total)
        var byName = c.nestedContainer(keyedBy: NameKey.self, forKey: .services)
        for s in services { try byName.encode(s, forKey: NameKey(s.name)) }
    }

    struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func round(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    /// One compact line: `Timings (7.3s): postgres start 1.1s, ready 6.1s, seed 0.2s · redis start 1.1s, ready 0.0s`.
    /// Phases that did not run are left out; a service with none is left out.
    public var summary: String {
        let parts = services.compactMap { s -> String? in
            let phases = PhaseTimer.Phase.allCases.compactMap { p in s[p].map { "\(p.short) \(Self.format($0))" } }
            return phases.isEmpty ? nil : "\(s.name) " + phases.joined(separator: ", ")
        }
        return "Timings (\(Self.format(total)))" + (parts.isEmpty ? "" : ": " + parts.joined(separator: " · "))
    }

    static func format(_ seconds: Double) -> String { String(format: "%.1fs", seconds) }
}

/// One service's phases in seconds.
public struct ServiceTimings: Encodable, Equatable, Sendable {
    public var name: String
    public var pulling: Double?
    public var starting: Double?
    public var readiness: Double?
    public var seeding: Double?

    public subscript(_ phase: PhaseTimer.Phase) -> Double? {
        switch phase {
        case .pulling: pulling
        case .starting: starting
        case .readiness: readiness
        case .seeding: seeding
        }
    }

    enum CodingKeys: String, CodingKey { case pulling, starting, readiness, seeding }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pulling.map(UpTimings.round), forKey: .pulling)
        try c.encode(starting.map(UpTimings.round), forKey: .starting)
        try c.encode(readiness.map(UpTimings.round), forKey: .readiness)
        try c.encode(seeding.map(UpTimings.round), forKey: .seeding)
    }
}
