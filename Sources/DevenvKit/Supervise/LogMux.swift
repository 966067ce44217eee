import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Streams every watched service's logs to the output with a `service | ` prefix: one
/// `docker compose logs --follow` per service. compose ends a follow when the container
/// stops, so `resume` starts a new one, from where the last ended, once it runs again.
final class LogMux: Sendable {
    private let output: Output
    private let compose: ComposeProject
    private let prefixer: LogPrefixer
    private struct State {
        var followers: [String: LogFollower] = [:]
        /// When each ended follower stopped: the next one starts from there.
        var endedAt: [String: Date] = [:]
        var stopped = false
    }
    private let state = Locked(State())

    /// The engine's environment for `docker` (``EngineBoundRunner``): followers run outside the runner.
    private let engineEnvironment: [String: String]

    init(output: Output, compose: ComposeProject, prefixer: LogPrefixer, engineEnvironment: [String: String] = [:]) {
        self.output = output; self.compose = compose; self.prefixer = prefixer; self.engineEnvironment = engineEnvironment
    }

    /// Starts following `service`: its last lines first, or from `since`.
    func start(_ service: String, since: Date? = nil) {
        let command = EngineBoundRunner.bind(Compose.followLogs(compose, service: service, since: since.map(Self.rfc3339)), environment: engineEnvironment)
        let follower = LogFollower(command, onLine: { [output, prefixer] line in
            guard !LogPrefixer.plain(line).trimmingCharacters(in: .whitespaces).isEmpty else { return }
            output.print(prefixer.line(service, line))
        }, onExit: { [weak self] _ in
            self?.ended(service)
        })
        let added: Bool = state.with { s in
            guard !s.stopped else { return false }
            s.followers[service] = follower
            s.endedAt[service] = nil
            return true
        }
        guard added else { return }
        do { try follower.start() } catch {
            output.print(prefixer.note("cannot follow \(service)'s logs: \(error)"))
        }
    }

    /// Starts a new follow for each of `running` whose last one ended.
    func resume(running: [String]) {
        for service in running {
            let since = state.with { $0.endedAt[service] }
            if let since { start(service, since: since) }
        }
    }

    func stopAll() {
        let all: [LogFollower] = state.with { s in
            s.stopped = true
            return Array(s.followers.values)
        }
        for f in all { f.stop() }
    }

    private func ended(_ service: String) {
        state.with { s in if !s.stopped { s.endedAt[service] = Date() } }
    }

    static func rfc3339(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }
}
