import Foundation
import DevenvCore

/// One entry under `processes:`: an app's own dev process (an API server, a web front, a
/// worker) that `devenv up` runs on the host, on the plan's ports, with the stack's values in
/// its environment.
public struct ProcessSpec: Sendable, Equatable {
    /// How the process is started.
    public enum Run: Sendable, Equatable {
        /// A shell line, run with `/bin/sh -c` (so `&&`, `$VAR` and quotes work as in a terminal).
        case shell(String)
        /// An argv, run as is (the first word looked up on PATH).
        case argv([String])

        /// Every template text in it (`{{ports.api}}` may appear in any of them).
        public var texts: [String] {
            switch self {
            case .shell(let line): [line]
            case .argv(let argv): argv
            }
        }
    }

    /// How devenv tells the process is ready, on the host's 127.0.0.1.
    public enum Ready: Sendable, Equatable {
        /// `GET path` on the process's port answers 2xx or 3xx.
        case http(path: String)
        /// A TCP connect on the named port (under `ports:`) succeeds.
        case tcp(port: String)
    }

    public var name: String
    public var run: Run
    /// The folder it runs in, relative to the project root; nil: the root.
    public var cwd: String?
    /// The `env:` targets whose managed keys it gets; nil: the target(s) in `cwd`, else every
    /// managed key.
    public var envFiles: [String]?
    public var ready: Ready?
    /// The name of its port under `ports:`; nil: the entry named like the process, if any.
    public var port: String?
    /// Services and processes that must be ready before it starts.
    public var depends: [String] = []
    /// Where each key was written (`run`, `cwd`, `env`, `ready`, `port`, `depends`, and `name`
    /// for the entry itself), for problems found after parsing.
    public var marks: [String: SpecMark] = [:]

    public init(name: String, run: Run) {
        self.name = name
        self.run = run
    }

    /// The mark of `key`, else of the entry.
    public func mark(_ key: String) -> SpecMark { marks[key] ?? marks["name"] ?? SpecMark(line: 1, column: 1) }
}

/// A line and column in devenv.yml.
public struct SpecMark: Sendable, Equatable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
}
