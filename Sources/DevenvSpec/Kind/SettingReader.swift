import Foundation
import Yams
import DevenvCore

/// Reads a setting's value from YAML as the kind declares it (type, pattern, choices,
/// bounds), recording every problem at its line and column.
package enum SettingReader {
    package static func read(_ node: Node, as setting: KindSetting, _ reader: inout NodeReader, checkPattern: Bool = true) -> SettingValue? {
        let what = setting.name
        switch setting.type {
        case .string:
            guard let s = reader.scalarText(node, what) else { return nil }
            if checkPattern { check(s, setting, node, &reader) }
            if checkPattern, !setting.choices.isEmpty, !setting.choices.contains(s) {
                reader.problem(node, "\(what) must be one of \(setting.choices.joined(separator: ", ")), not '\(s)'\(Suggest.hint(s, among: setting.choices))")
            }
            return .string(s)
        case .int:
            guard let n = reader.int(node, what) else { return nil }
            if let lo = setting.min, n < lo { reader.problem(node, "\(what) must be at least \(lo), found \(n)") }
            if let hi = setting.max, n > hi { reader.problem(node, "\(what) must be at most \(hi), found \(n)") }
            return .int(n)
        case .bool:
            return reader.bool(node, what).map(SettingValue.bool)
        case .list:
            guard let items = reader.strings(node, what) else { return nil }
            if checkPattern { for item in items { check(item, setting, node, &reader) } }
            var seen = Set<String>()
            for item in items where !seen.insert(item).inserted { reader.problem(node, "\(what) lists '\(item)' twice") }
            return .list(items)
        }
    }

    package static func check(_ value: String, _ setting: KindSetting, _ node: Node, _ reader: inout NodeReader) {
        guard let pattern = setting.pattern, value.range(of: "^(?:\(pattern))$", options: .regularExpression) == nil else { return }
        let rule = " (\(setting.patternDescription ?? setting.describe ?? "must match \(pattern)"))"
        reader.problem(node, "\(setting.type == .list ? "each of " : "")\(setting.name): '\(value)' is not valid\(rule)")
    }
}
