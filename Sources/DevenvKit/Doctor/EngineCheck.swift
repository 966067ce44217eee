import Foundation

/// Doctor's engine check: the endpoint, how it was chosen, which engine answers (Docker or
/// Podman) and its version; on failure the exit-4 message's fix.
enum EngineCheck {
    /// Docker or Podman, its version and API, from `GET /version` (Podman's compatible API
    /// names itself in `Components`).
    static func describe(version: [String: Any]) -> String {
        let components = version["Components"] as? [[String: Any]] ?? []
        let podman = components.first { ($0["Name"] as? String)?.contains("Podman") == true }
        let v = (podman?["Version"] as? String) ?? version["Version"] as? String ?? "unknown version"
        let api = version["ApiVersion"] as? String ?? "?"
        let platform = [version["Os"] as? String, version["Arch"] as? String].compactMap { $0 }.joined(separator: "/")
        let name = podman != nil ? "Podman" : "Docker Engine"
        return "\(name) \(v) (\(podman != nil ? "Docker-compatible API" : "API") \(api)\(platform.isEmpty ? "" : ", " + platform))"
    }

    /// Whether `GET /version` came from Podman.
    static func isPodman(version: [String: Any]) -> Bool {
        (version["Components"] as? [[String: Any]] ?? []).contains { ($0["Name"] as? String)?.contains("Podman") == true }
    }

    /// `at ssh://me@box — docker context box (--context)`, plus how an ssh engine is carried and
    /// docker's own warning when DOCKER_HOST hides DOCKER_CONTEXT.
    static func whereAndHow(_ engine: EngineClient, environment: [String: String]) -> String {
        let e = engine.endpoint
        var text = "at \(e.host), chosen by \(e.source.description)"
        if case .wellKnown = e.source, !e.tried.isEmpty { text += " after \(e.tried.joined(separator: ", "))" }
        if let ssh = engine.link.ssh {
            switch (try? ssh.ensure()) {
            case .forwarded(let local)?: text += "; over one ssh connection (control \(ssh.control), engine socket forwarded to \(local))"
            case .dialStdio?: text += "; over one ssh connection (control \(ssh.control), `docker system dial-stdio` per request)"
            case nil: break
            }
        }
        if e.source == .dockerHost, let c = environment["DOCKER_CONTEXT"], !c.isEmpty {
            text += " (DOCKER_HOST overrides DOCKER_CONTEXT=\(c), as it does for docker)"
        }
        return text
    }
}
