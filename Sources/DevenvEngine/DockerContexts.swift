import Foundation
import DevenvCore
import DevenvPlatform

/// The docker CLI's context store, read the way docker reads it: `$DOCKER_CONFIG` (default
/// `~/.docker`) `/config.json` names the current context; a context `NAME` lives in
/// `contexts/meta/<sha256 of NAME>/meta.json` (`{"Name", "Endpoints": {"docker": {"Host",
/// "SkipTLSVerify"}}}`) with its TLS files in `contexts/tls/<sha256 of NAME>/docker/`
/// (`ca.pem`, `cert.pem`, `key.pem`).
public struct DockerContexts: Sendable {
    /// The config folder (`$DOCKER_CONFIG` or `~/.docker`).
    public var directory: String

    public init(directory: String) { self.directory = directory }

    public init(environment: [String: String]) {
        if let d = environment["DOCKER_CONFIG"], !d.isEmpty { directory = d }
        else { directory = (environment["HOME"] ?? NSHomeDirectory()) + "/.docker" }
    }

    public var configFile: String { directory + "/config.json" }

    /// `currentContext` of config.json; nil when the file, the key or its value is missing.
    /// A config.json that is not JSON is an error naming it (docker refuses it too).
    public func currentContext() throws -> String? {
        guard let data = FileManager.default.contents(atPath: configFile), !data.isEmpty else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DevenvError("\(configFile) is not valid JSON, so the current docker context cannot be read",
                              hint: "Fix the file (docker cannot read it either), or set DOCKER_HOST for this shell.",
                              exitCode: .engineUnavailable)
        }
        guard let name = obj["currentContext"] as? String, !name.isEmpty else { return nil }
        return name
    }

    /// One context's docker endpoint.
    public struct Context: Sendable, Equatable {
        public var name: String
        public var host: String
        public var skipTLSVerify: Bool
        /// The folder with its TLS files, when it has any.
        public var tlsDirectory: String?
    }

    public static func storeKey(_ name: String) -> String { Checksum.sha256(name) }

    public func metaFile(_ name: String) -> String { "\(directory)/contexts/meta/\(Self.storeKey(name))/meta.json" }
    public func tlsDirectory(_ name: String) -> String { "\(directory)/contexts/tls/\(Self.storeKey(name))/docker" }

    /// The context, or nil when there is no such context.
    public func context(_ name: String) throws -> Context? {
        let file = metaFile(name)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DevenvError("docker context '\(name)' is damaged: \(file) is not valid JSON",
                              hint: "Recreate it: `docker context rm \(name)` then `docker context create \(name) --docker host=…`.",
                              exitCode: .engineUnavailable)
        }
        let endpoints = obj["Endpoints"] as? [String: Any] ?? [:]
        guard let docker = endpoints["docker"] as? [String: Any], let host = docker["Host"] as? String, !host.isEmpty else {
            throw DevenvError("docker context '\(name)' has no docker endpoint (\(file))",
                              hint: "Give it one: `docker context update \(name) --docker host=unix:///path/to/docker.sock`.",
                              exitCode: .engineUnavailable)
        }
        let tls = tlsDirectory(name)
        let hasTLS = ["ca.pem", "cert.pem", "key.pem"].contains { FileManager.default.fileExists(atPath: tls + "/" + $0) }
        return Context(name: name, host: host, skipTLSVerify: docker["SkipTLSVerify"] as? Bool ?? false, tlsDirectory: hasTLS ? tls : nil)
    }

    /// Every context's name (for "did you mean" and messages).
    public func names() -> [String] {
        let meta = directory + "/contexts/meta"
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: meta)) ?? []
        return dirs.compactMap { d -> String? in
            guard let data = FileManager.default.contents(atPath: "\(meta)/\(d)/meta.json"),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return obj["Name"] as? String
        }.sorted()
    }
}
