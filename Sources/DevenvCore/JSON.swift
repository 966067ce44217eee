import Foundation

/// A decoded JSON value, keeping booleans apart from numbers.
public indirect enum JSON: Decodable, Sendable, Equatable {
    case string(String), number(Double), bool(Bool), null
    case array([JSON]), object([String: JSON])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }
}

extension JSON {
    public subscript(key: String) -> JSON? { if case .object(let o) = self { o[key] } else { nil } }
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var array: [JSON]? { if case .array(let a) = self { a } else { nil } }
    /// A number that is a whole `Int`.
    public var int: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }
    /// An object whose values are all strings (labels), else nil.
    public var strings: [String: String]? {
        guard case .object(let o) = self else { return nil }
        var out: [String: String] = [:]
        for (k, v) in o { guard let s = v.string else { return nil }; out[k] = s }
        return out
    }

    /// The JSON text of `data` (as the Engine API sends it), read by ``JSONReader``: no
    /// `JSONDecoder`, whose first use of each type looks up conformances in every command.
    public static func read(_ data: Data) throws -> JSON {
        try JSONReader.parse(String(decoding: data, as: UTF8.self))
    }
}

