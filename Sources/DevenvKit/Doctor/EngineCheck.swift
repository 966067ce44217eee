import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

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
    static func whereAndHow(_ engine: any ContainerEngine, environment: [String: String]) -> String {
        let e = engine.endpoint
        var text = "at \(e.host), chosen by \(e.source.description)"
        if case .wellKnown = e.source, !e.tried.isEmpty { text += " after \(e.tried.joined(separator: ", "))" }
        if let ssh = (engine as? EngineClient)?.link.ssh {
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

extension EngineCheck {
    /// One `forward` check per stack of the project at `root` that runs on an ssh engine: its
    /// ssh session lives and every forwarded port listens on 127.0.0.1.
    static func forwards(_ ctx: DevenvContext, root: String) -> [DoctorCheck] {
        let stacks = ((try? Registry.read(ctx.paths.registryFile))?.stacks ?? [:]).filter { $0.value.root == root }.keys.sorted()
        return stacks.compactMap { stack -> DoctorCheck? in
            guard let record = StackEngineRecord.read(ctx.paths, stack: stack), record.endpoint.hasPrefix("ssh://") else { return nil }
            guard let f = record.forward else {
                return .pass("forward", "stack \(stack) runs on \(record.endpoint) and is down: no forward needed")
            }
            guard StackForward.isAlive(f) else {
                return .fail("forward", "the ssh session (pid \(f.pid)) forwarding stack \(stack)'s ports to \(record.endpoint) has ended",
                             fix: "Run `devenv up`: it starts the forward again (check the host with `ssh \(SSHTarget.parse(record.endpoint)?.host ?? "HOST") true`).")
            }
            let silent = f.ports.filter { PortProbe.isFree($0) }
            guard silent.isEmpty else {
                return .fail("forward", "ports \(silent.map(String.init).joined(separator: ", ")) of stack \(stack) are not listening on 127.0.0.1 although its ssh (pid \(f.pid)) runs",
                             fix: "Run `devenv down` then `devenv up` to start a new forward.")
            }
            return .pass("forward", "stack \(stack): ports \(f.ports.map(String.init).joined(separator: ", ")) forwarded from 127.0.0.1 to \(record.endpoint) by devenv's ssh (pid \(f.pid))")
        }
    }
}
