import MCP

/// One MCP tool: its name, what it does, its parameters (the JSON schema is made from them, and
/// calls are checked against them before anything runs), and how a checked call becomes a
/// `devenv` command line (`ToolInvocation`).
public struct ToolSpec: Sendable {
    public enum ParamType: Sendable, Equatable {
        case string
        case boolean
        case integer(minimum: Int, maximum: Int)
        case number(minimum: Double, maximum: Double)
        case strings(minItems: Int)
    }

    public struct Param: Sendable {
        public var name: String
        public var type: ParamType
        public var description: String
        public var required: Bool

        public init(_ name: String, _ type: ParamType, _ description: String, required: Bool = false) {
            self.name = name; self.type = type; self.description = description; self.required = required
        }
    }

    public var name: String
    public var title: String
    public var description: String
    public var params: [Param]
    /// Changes nothing (status, ports, logs, doctor).
    public var readOnly: Bool
    /// May delete data (down with volumes, reset, snapshot_restore): needs `confirm: true`.
    public var destructive: Bool
    public var map: @Sendable (ToolArguments) throws -> ToolInvocation

    public init(name: String, title: String, description: String, params: [Param], readOnly: Bool = false,
                destructive: Bool = false, map: @escaping @Sendable (ToolArguments) throws -> ToolInvocation) {
        self.name = name; self.title = title; self.description = description; self.params = params
        self.readOnly = readOnly; self.destructive = destructive; self.map = map
    }

    /// `{"type":"object","properties":{…},"required":[…],"additionalProperties":false}`
    public var inputSchema: Value {
        var properties: [String: Value] = [:]
        for p in params {
            var s: [String: Value] = ["description": .string(p.description)]
            switch p.type {
            case .string: s["type"] = "string"
            case .boolean: s["type"] = "boolean"
            case .integer(let lo, let hi): s["type"] = "integer"; s["minimum"] = .int(lo); s["maximum"] = .int(hi)
            case .number(let lo, let hi): s["type"] = "number"; s["minimum"] = .double(lo); s["maximum"] = .double(hi)
            case .strings(let n): s["type"] = "array"; s["items"] = ["type": "string"]; s["minItems"] = .int(n)
            }
            properties[p.name] = .object(s)
        }
        var schema: [String: Value] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        let required = params.filter(\.required).map { Value.string($0.name) }
        if !required.isEmpty { schema["required"] = .array(required) }
        return .object(schema)
    }

    public var tool: Tool {
        Tool(name: name, title: title, description: description, inputSchema: inputSchema,
             annotations: .init(title: title, readOnlyHint: readOnly, destructiveHint: destructive,
                                idempotentHint: readOnly, openWorldHint: false))
    }
}

/// A call's arguments, checked against the tool's parameters: every problem is collected
/// (unknown names, wrong types, out of range, missing) and reported at once.
public struct ToolArguments: Sendable {
    public let values: [String: Value]

    public init(_ raw: [String: Value]?, spec: ToolSpec) throws(ToolRequestError) {
        let raw = raw ?? [:]
        var problems: [String] = []
        let known = Dictionary(uniqueKeysWithValues: spec.params.map { ($0.name, $0) })
        for key in raw.keys.sorted() where known[key] == nil {
            problems.append("unknown argument '\(key)' (\(spec.name) takes: \(spec.params.map(\.name).joined(separator: ", ")))")
        }
        var values: [String: Value] = [:]
        for p in spec.params {
            guard let v = raw[p.name], !v.isNull else {
                if p.required { problems.append("missing argument '\(p.name)': \(p.description)") }
                continue
            }
            if let problem = Self.check(v, p) { problems.append("argument '\(p.name)' \(problem)") } else { values[p.name] = v }
        }
        if !problems.isEmpty { throw ToolRequestError("invalid arguments for \(spec.name): " + problems.joined(separator: "; ")) }
        self.values = values
    }

    static func check(_ v: Value, _ p: ToolSpec.Param) -> String? {
        switch p.type {
        case .string:
            return v.stringValue == nil ? "must be a string" : nil
        case .boolean:
            return v.boolValue == nil ? "must be true or false" : nil
        case .integer(let lo, let hi):
            guard let n = Self.integer(v) else { return "must be an integer" }
            return (lo...hi).contains(n) ? nil : "must be between \(lo) and \(hi)"
        case .number(let lo, let hi):
            guard let n = Self.number(v) else { return "must be a number" }
            return n >= lo && n <= hi ? nil : "must be between \(Self.text(lo)) and \(Self.text(hi))"
        case .strings(let n):
            guard let items = v.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return "must be an array of strings" }
            return items.count >= n ? nil : "must have at least \(n) item\(n == 1 ? "" : "s")"
        }
    }

    static func integer(_ v: Value) -> Int? {
        if let i = v.intValue { return i }
        if let d = v.doubleValue, d.rounded() == d, abs(d) < 1e15 { return Int(d) }
        return nil
    }
    static func number(_ v: Value) -> Double? { v.doubleValue ?? v.intValue.map(Double.init) }
    static func text(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(d) }

    public func bool(_ name: String) -> Bool { values[name]?.boolValue ?? false }
    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func int(_ name: String) -> Int? { values[name].flatMap(Self.integer) }
    public func number(_ name: String) -> Double? { values[name].flatMap(Self.number) }
    public func strings(_ name: String) -> [String] { values[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Destructive tools refuse to run without `confirm: true`.
    public func requireConfirm(_ what: String) throws(ToolRequestError) {
        guard bool("confirm") else {
            throw ToolRequestError("\(what) needs confirm: true (the CLI asks first, or takes --yes)")
        }
    }
}

/// A request the server refuses before running anything (unknown tool, bad arguments, a
/// destructive call without `confirm`): a JSON-RPC "invalid params" error (-32602).
public struct ToolRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
