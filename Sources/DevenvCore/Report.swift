/// What a command reports, in its two forms (apple/container's `ListDisplayable`): JSON for
/// scripts (`--json`) and lines for people. ``Output/report(_:json:)`` is the one place that
/// chooses between them; commands never branch on `--json` themselves.
public protocol Report {
    /// The `--json` form (the machine interface: keys stay stable).
    func writeJSON(to output: Output) throws
    /// The human form, styled through `output` (colour only on a terminal).
    func lines(_ output: Output) -> [String]
    /// Lines that still reach a person when the report is JSON: written to stderr.
    var jsonNotes: [String] { get }
}

extension Report {
    public var jsonNotes: [String] { [] }
}

extension Report where Self: Encodable {
    public func writeJSON(to output: Output) throws { try output.json(self) }
}

/// The rows of one table (`ls`, `snapshot ls`), or a sentence when there are none. Its JSON is
/// the array of rows.
public struct TableReport<Row: TableRow & Encodable>: Report, Encodable {
    public var rows: [Row]
    /// Said instead of an empty table.
    public var empty: String

    public init(_ rows: [Row], empty: String) { self.rows = rows; self.empty = empty }

    public func encode(to encoder: Encoder) throws { try rows.encode(to: encoder) }
    public func lines(_ output: Output) -> [String] { rows.isEmpty ? [empty] : Table.render(rows) }
}

extension Output {
    /// Prints `report` as JSON (`json`) or as its lines.
    public func report(_ report: some Report, json: Bool) throws {
        if json {
            for note in report.jsonNotes { error(note) }
            try report.writeJSON(to: self)
        } else {
            for line in report.lines(self) { print(line) }
        }
    }
}
