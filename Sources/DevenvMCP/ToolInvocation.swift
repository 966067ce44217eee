/// A checked tool call as a `devenv` command line (a value; the server runs it as a child of
/// this same binary, with the server's `-C` and `--context` in front).
public struct ToolInvocation: Sendable, Equatable {
    /// How the child's stdout becomes the tool's structured result.
    public enum Output: Sendable, Equatable {
        /// `--json` output; an array is put under `key` (a structured result is an object).
        case json(key: String)
        /// Plain text lines (logs, the one-line summaries of down, reset, snapshot): `{key: [lines]}`.
        case lines(key: String)
        /// `devenv run`: `{exit_code, stdout, stderr, timed_out, truncated}`; a non-zero exit is the command's own.
        case command
    }

    public var arguments: [String]
    public var output: Output
    /// It takes the stack's lock; when another devenv holds it, the call fails at once unless `wait`.
    public var locks: Bool
    public var wait: Bool
    /// Secrets (passwords in URLs and values) masked in the result.
    public var mask: Bool
    /// Seconds after which the server stops the child (nil: the command's own limits).
    public var timeout: Double?
    /// Bytes of stdout kept; the rest is dropped and the result says `truncated`.
    public var stdoutLimit: Int

    public static let defaultStdoutLimit = 16 * 1024 * 1024

    public init(_ arguments: [String], output: Output, locks: Bool = false, wait: Bool = false, mask: Bool = false,
                timeout: Double? = nil, stdoutLimit: Int = defaultStdoutLimit) {
        self.arguments = arguments; self.output = output; self.locks = locks; self.wait = wait; self.mask = mask
        self.timeout = timeout; self.stdoutLimit = stdoutLimit
    }
}
