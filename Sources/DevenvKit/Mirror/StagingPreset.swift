import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

extension StagingPreset {
    /// This preset's row of the table.
    public var spec: PresetSpec { PresetSpec.table[self]! }

    /// The command for these settings. `outputFile` is where a CLI that writes a file (Vercel)
    /// writes it; the others print to stdout. Render's first request; `MirrorFetch` pages on.
    /// Throws a usage error for unknown or missing settings.
    public func invocation(settings: [String: String], extraArgs: [String], outputFile: String) throws -> PresetInvocation {
        let s = try resolve(settings)
        if spec.output == .renderEnvVars {
            return RenderAPI.request(RenderAPI.serviceEnvVars(s["service"]!, cursor: nil), extraArgs: extraArgs)
        }
        var argv: [String] = []
        var writesFile = false
        for part in spec.argv {
            switch part {
            case .text(let t): argv.append(t)
            case .value(let name): argv.append(s[name]!)
            case .option(let flag, let name): if let v = s[name] { argv += [flag, v] }
            case .assign(let flag, let name): if let v = s[name] { argv.append(flag + v) }
            case .outputFile: argv.append(outputFile); writesFile = true
            }
        }
        return PresetInvocation(argv: argv + extraArgs, outputFile: writesFile ? outputFile : nil, environment: spec.environment)
    }

    /// Reads what the CLI printed (or the file it wrote) into variables, dropping the platform's
    /// own keys (`VERCEL_*`, `RAILWAY_*`, `FLY_*` …: see the table).
    public func parse(_ text: String, settings: [String: String], dotenv: DotenvParser) throws -> [StagingVar] {
        try PresetOutput.parse(spec.output, text, settings: settings).filter { !isPlatformKey($0.name) }
    }

    /// Keys the platform sets for its own runtime; meaningless on a laptop.
    public func isPlatformKey(_ name: String) -> Bool {
        spec.platformNames.contains(name) || spec.platformPrefixes.contains { name.hasPrefix($0) }
    }

    /// What the CLI is expected to print, for error hints.
    public var outputShape: String { spec.output.description }

    /// What to do when the CLI is not installed.
    public var installHint: String { spec.install }

    /// The settings with defaults applied, after checking every name and the required ones.
    func resolve(_ given: [String: String]) throws -> [String: String] {
        let known = settingDefaults.map(\.name)
        for key in given.keys.sorted() where !known.contains(key) {
            throw DevenvError.usage("preset \(rawValue) has no setting '\(key)'\(Suggest.hint(key, among: known))",
                                    hint: "Settings of \(rawValue): \(known.joined(separator: ", ")).")
        }
        for key in requiredSettings where (given[key] ?? "").isEmpty {
            throw DevenvError.usage("preset \(rawValue) needs the setting '\(key)'", hint: "Add `\(key): …` under staging.from.")
        }
        var out: [String: String] = [:]
        for (name, def) in settingDefaults { if let v = given[name] ?? def, !v.isEmpty { out[name] = v } }
        return out
    }
}

/// One preset as data: its settings, the command, what it prints, the platform's own keys.
public struct PresetSpec: Sendable {
    public typealias Setting = PresetSetting

    /// One piece of the command line.
    public enum Arg: Sendable, Equatable, ExpressibleByStringLiteral {
        /// Always this text.
        case text(String)
        /// The setting's value (a required setting or one with a default).
        case value(String)
        /// `flag VALUE` (two arguments) when the setting has a value, else nothing.
        case option(String, String)
        /// `flagVALUE` (one argument, the flag ends with `=`) when the setting has a value.
        case assign(String, String)
        /// The path of the file the CLI writes (a private temp file).
        case outputFile
        public init(stringLiteral value: String) { self = .text(value) }
    }

    /// A file of the project the preset reads besides the command's output (Fly's `fly.toml`).
    public struct ProjectFile: Sendable {
        /// The setting naming it, relative to the project root.
        public var setting: String
        public var defaultPath: String
        public var shape: PresetOutput.Shape
    }

    public var argv: [Arg]
    public var output: PresetOutput.Shape
    /// Variables added to the command's environment (never a secret).
    public var environment: [String: String] = [:]
    public var alsoReads: ProjectFile? = nil
    /// Keys that start with one of these are the platform's own (dropped).
    public var platformPrefixes: [String] = []
    public var platformNames: [String] = []
    /// Text on stderr meaning the CLI served a cached copy instead of staging's current config:
    /// treated as a failure, since the copy may be old.
    public var staleWarnings: [String] = []
    /// What to do when the CLI is not installed.
    public var install: String
}

/// A command to run for a source. When `outputFile` is set the command writes its result
/// there (read it after a zero exit); otherwise the result is stdout.
public struct PresetInvocation: Sendable, Equatable {
    public var argv: [String]
    public var outputFile: String?
    /// Variables added to the inherited environment (never a secret).
    public var environment: [String: String]

    public init(argv: [String], outputFile: String?, environment: [String: String] = [:]) {
        self.argv = argv
        self.outputFile = outputFile
        self.environment = environment
    }
}
