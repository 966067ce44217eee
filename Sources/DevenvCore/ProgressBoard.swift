import Foundation

/// One live line per service while `up` waits (pulling → starting → ready, with seconds).
/// On a terminal the lines are redrawn in place; elsewhere each change is one plain line.
public final class ProgressBoard: @unchecked Sendable {
    private let output: Output
    private let names: [String]
    private var states: [String: (phase: String, since: Date, done: Double?)] = [:]
    private let lock = NSLock()
    private var drawn = 0
    private var timer: DispatchSourceTimer?
    private let enabled: Bool
    private let start = Date()

    public init(output: Output, services: [String], enabled: Bool = true) {
        self.output = output
        self.names = services
        self.enabled = enabled
        for n in services { states[n] = ("waiting", Date(), nil) }
        if enabled && output.isTerminal {
            let t = DispatchSource.makeTimerSource(queue: .global())
            t.schedule(deadline: .now(), repeating: .milliseconds(100))
            t.setEventHandler { [weak self] in self?.redraw() }
            t.resume()
            timer = t
        }
    }

    /// Sets a service's phase; `seconds` marks it final, and the time shown is then the time
    /// since `up` began, like the running clock before it.
    public func set(_ service: String, _ phase: String, seconds: Double? = nil) {
        lock.lock()
        let changed = states[service]?.phase != phase
        let elapsed = seconds.map { _ in Date().timeIntervalSince(start) }
        states[service] = (phase, Date(), elapsed)
        lock.unlock()
        guard enabled, changed, !output.isTerminal else { return }
        output.print("\(service): \(phase)" + (elapsed.map { String(format: " (%.1fs)", $0) } ?? ""))
    }

    public func setAll(_ phase: String) { for n in names { set(n, phase) } }

    private func redraw() {
        lock.lock(); defer { lock.unlock() }
        var text = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
        let width = names.map(\.count).max() ?? 0
        for n in names {
            guard let s = states[n] else { continue }
            let secs = s.done ?? Date().timeIntervalSince(start)
            let mark: String
            switch s.phase {
            case "ready": mark = output.style("✓", .green)
            case "failed", "not ready": mark = output.style("✗", .red)
            default: mark = output.style("…", .yellow)
            }
            text += "\u{1B}[2K  \(mark) \(n.padding(toLength: width, withPad: " ", startingAt: 0))  \(s.phase) \(output.style(String(format: "%.1fs", secs), .dim))\n"
        }
        drawn = names.count
        output.raw(text)
    }

    /// Stops redrawing and leaves the final lines on screen.
    public func finish() {
        timer?.cancel()
        timer = nil
        if enabled && output.isTerminal { redraw() }
    }
}
