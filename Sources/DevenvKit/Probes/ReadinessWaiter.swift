import Foundation

/// Polls every service's probe from the host until it answers or the deadline passes.
/// Services are probed in parallel, each on its own thread (probes block on sockets).
public final class ReadinessWaiter: @unchecked Sendable {
    public enum Result: Equatable, Sendable {
        case ready(seconds: Double)
        case timedOut(last: String)
        case failed(String)
    }

    private let lock = NSLock()
    private var stopped: [String: String] = [:]

    public init() {}

    /// Marks a service as failed (its container exited); its poller stops at once.
    public func fail(_ service: String, reason: String) {
        lock.lock(); stopped[service] = reason; lock.unlock()
    }

    private func stopReason(_ service: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        return stopped[service]
    }

    /// Blocks until every service is ready, failed or out of time. `onReady` is called as
    /// each becomes ready.
    public func wait(_ probes: [(name: String, probe: ProbeSpec)], timeout: TimeInterval,
                     onReady: @escaping @Sendable (String, Double) -> Void) -> [String: Result] {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        let group = DispatchGroup()
        let resultsLock = NSLock()
        var results: [String: Result] = [:]
        for (name, probe) in probes {
            group.enter()
            let thread = Thread { [self] in
                var delay: TimeInterval = 0.05
                var last = "no answer yet"
                var result: Result
                while true {
                    if let reason = self.stopReason(name) { result = .failed(reason); break }
                    switch Probe.check(probe, timeout: min(2, max(0.2, deadline.timeIntervalSinceNow))) {
                    case .ready:
                        let secs = Date().timeIntervalSince(start)
                        onReady(name, secs)
                        result = .ready(seconds: secs)
                    case .failed(let why):
                        result = .failed(why)
                    case .notReady(let why):
                        last = why
                        if Date() >= deadline { result = .timedOut(last: last); break }
                        Thread.sleep(forTimeInterval: min(delay, max(0, deadline.timeIntervalSinceNow)))
                        delay = min(delay * 1.5, 0.1)
                        continue
                    }
                    break
                }
                resultsLock.lock(); results[name] = result; resultsLock.unlock()
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return results
    }
}
