import Foundation

/// One live line per service while `up` waits (pulling → starting → ready, with seconds).
/// On a terminal the lines are redrawn in place; elsewhere each change is one plain line.
public final class ProgressBoard: Sendable {
    private let output: Output
    private let names: [String]
    private struct Board {
        var states: [String: (phase: String, since: Date, done: Double?)] = [:]
        var drawn = 0
    }
    private let board = Locked(Board())
    private let timer = Locked<DispatchSourceTimer?>(nil)
    private let enabled: Bool
    /// Off a terminal, the lines go to stderr instead of stdout (`up --json --progress`).
    private let linesOnStderr: Bool
    private let start = Date()

    public init(output: Output, services: [String], enabled: Bool = true, linesOnStderr: Bool = false) {
        self.output = output
        self.names = services
        self.enabled = enabled
        self.linesOnStderr = linesOnStderr
        board.with { b in for n in services { b.states[n] = ("waiting", Date(), nil) } }
        if enabled && output.isTerminal {
            let t = DispatchSource.makeTimerSource(queue: .global())
            t.schedule(deadline: .now(), repeating: .milliseconds(100))
            t.setEventHandler { [weak self] in self?.redraw() }
            t.resume()
            timer.with { $0 = t }
        }
    }

    /// Sets a service's phase; `seconds` marks it final, and the time shown is then the time
    /// since `up` began, like the running clock before it.
    public func set(_ service: String, _ phase: String, seconds: Double? = nil) {
        let (changed, elapsed): (Bool, Double?) = board.with { b in
            let changed = b.states[service]?.phase != phase
            let elapsed = seconds.map { _ in Date().timeIntervalSince(start) }
            b.states[service] = (phase, Date(), elapsed)
            return (changed, elapsed)
        }
        guard enabled, changed, !output.isTerminal else { return }
        let line = "\(service): \(phase)" + (elapsed.map { String(format: " (%.1fs)", $0) } ?? "")
        if linesOnStderr { output.error(line) } else { output.print(line) }
    }

    public func setAll(_ phase: String) { for n in names { set(n, phase) } }

    private func redraw() {
        board.with { redraw(&$0) }
    }

    private func redraw(_ b: inout Board) {
        var text = b.drawn > 0 ? "\u{1B}[\(b.drawn)A" : ""
        let width = names.map(\.count).max() ?? 0
        for n in names {
            guard let s = b.states[n] else { continue }
            let secs = s.done ?? Date().timeIntervalSince(start)
            let mark: String
            switch s.phase {
            case "ready": mark = output.style("✓", .green)
            case "failed", "not ready": mark = output.style("✗", .red)
            default: mark = output.style("…", .yellow)
            }
            text += "\u{1B}[2K  \(mark) \(n.padding(toLength: width, withPad: " ", startingAt: 0))  \(s.phase) \(output.style(String(format: "%.1fs", secs), .dim))\n"
        }
        b.drawn = names.count
        output.raw(text)
    }

    /// Stops redrawing and leaves the final lines on screen.
    public func finish() {
        timer.with { $0?.cancel(); $0 = nil }
        if enabled && output.isTerminal { redraw() }
    }
}
