import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Puts `service | ` in front of each log line, names padded to one width so the bars line
/// up, each service in its own colour (only when `color`; plain text otherwise).
public struct LogPrefixer: Sendable {
    /// Cycled through in service order; red is kept for devenv's own problem lines.
    static let palette: [Output.Style] = [.cyan, .magenta, .blue, .yellow, .green]
    /// The name devenv's own lines carry.
    public static let devenvName = "devenv"

    public let width: Int
    public let color: Bool
    /// ANSI colour code per service.
    private let colors: [String: String]

    public init(services: [String], color: Bool) {
        width = (services + [Self.devenvName]).map(\.count).max() ?? 0
        self.color = color
        colors = Dictionary(uniqueKeysWithValues: services.enumerated().map { ($1, Self.palette[$0 % Self.palette.count].rawValue) })
    }

    /// `postgres | LOG:  database system is ready to accept connections`. Terminal control
    /// sequences in the text (compose's erase-line) are dropped without colour.
    public func line(_ service: String, _ text: String) -> String {
        paint(pad(service) + " | ", colors[service] ?? Output.Style.bold.rawValue) + (color ? text : Self.plain(text))
    }

    /// The text without ANSI CSI sequences (`ESC [ … letter`).
    public static func plain(_ text: String) -> String {
        guard text.contains("\u{1B}") else { return text }
        return text.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
    }

    /// One of devenv's own lines: red for trouble, green for recovery.
    public func event(_ event: SuperviseEvent) -> String {
        paint(pad(Self.devenvName) + " | ", Output.Style.bold.rawValue) + paint(event.message, (event.isProblem ? Output.Style.red : .green).rawValue)
    }

    /// A plain devenv line (`watching postgres, redis…`).
    public func note(_ text: String) -> String {
        paint(pad(Self.devenvName) + " | ", Output.Style.bold.rawValue) + text
    }

    private func pad(_ s: String) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

    private func paint(_ s: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}

