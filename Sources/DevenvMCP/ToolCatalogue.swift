/// Every tool `devenv mcp` offers, each mapped onto the subcommand it stands for. Results are
/// that subcommand's `--json` model where it has one.
public enum ToolCatalogue {
    typealias P = ToolSpec.Param

    static let branch = P("branch", .boolean, "Use the stack of the current git branch (--branch).")
    static let wait = P("wait", .boolean, "When another devenv is working on the stack, wait for it instead of failing at once.")
    static let confirm = P("confirm", .boolean, "Must be true: this deletes data.")
    static let reveal = P("reveal", .boolean, "Show secrets (passwords in URLs); masked as **** otherwise.")
    static let readiness = P("timeout", .number(minimum: 1, maximum: 3600), "Seconds to wait for the services to be ready (default 120).")

    public static let all: [ToolSpec] = [up, down, status, ports, logs, seed, reset, snapshotSave, snapshotRestore, run, doctor]

    public static func named(_ name: String) -> ToolSpec? { all.first { $0.name == name } }

    static func flags(_ a: ToolArguments, _ names: [(String, String)]) -> [String] {
        names.filter { a.bool($0.0) }.map(\.1)
    }

    public static let up = ToolSpec(
        name: "up", title: "Start the stack",
        description: "Start the project's services (all, or the ones named), wait until each answers, write the .env files, apply seeds. Returns the stack's status (services with host, port, url) and timings, as `devenv up --json`. Progress lines arrive as progress notifications.",
        params: [P("services", .strings(minItems: 0), "Only these services or processes (default: all)."), branch,
                 P("fresh", .boolean, "A new branch stack starts empty and runs the seeds, instead of copying its parent's data."),
                 readiness, reveal, wait]
    ) { a in
        var args = ["up", "--json", "--progress"] + flags(a, [("branch", "--branch"), ("fresh", "--fresh")])
        if let t = a.number("timeout") { args += ["--timeout", ToolArguments.text(t)] }
        let services = a.strings("services")
        if !services.isEmpty { args += ["--"] + services }
        return ToolInvocation(args, output: .json(key: "status"), locks: true, wait: a.bool("wait"), mask: !a.bool("reveal"))
    }

    public static let down = ToolSpec(
        name: "down", title: "Stop the stack",
        description: "Stop the stack; its data is kept. With volumes: true (and confirm: true) the data is deleted too. all: every stack of this project (each branch and worktree).",
        params: [P("volumes", .boolean, "Also delete the stack's volumes (its data); needs confirm: true."), confirm, branch,
                 P("all", .boolean, "Every stack of this project: the project's and each branch's or worktree's."), wait],
        destructive: true
    ) { a in
        if a.bool("volumes") { try a.requireConfirm("down with volumes: true deletes the stack's data; it") }
        if a.bool("all") && a.bool("branch") { throw ToolRequestError("all already takes every branch's stack; drop branch") }
        let args = ["down"] + flags(a, [("volumes", "--volumes"), ("volumes", "--yes"), ("branch", "--branch"), ("all", "--all")])
        return ToolInvocation(args, output: .lines(key: "output"), locks: true, wait: a.bool("wait"))
    }

    public static let status = ToolSpec(
        name: "status", title: "Stack status",
        description: "The stack and each service: state, health, host, port, url; and the app's processes. As `devenv status --json`; passwords in URLs are masked unless reveal: true.",
        params: [reveal, branch], readOnly: true
    ) { a in
        ToolInvocation(["status", "--json"] + flags(a, [("branch", "--branch")]), output: .json(key: "status"), mask: !a.bool("reveal"))
    }

    public static let ports = ToolSpec(
        name: "ports", title: "Ports in use",
        description: "devenv's ports on this machine (or every TCP listener with all: true): port, stack, service, state, holder. As `devenv ports --json`, under `ports`.",
        params: [P("all", .boolean, "Every TCP listener on the machine, not only devenv's ports.")], readOnly: true
    ) { a in
        ToolInvocation(["ports", "--json"] + flags(a, [("all", "--all")]), output: .json(key: "ports"))
    }

    public static let logs = ToolSpec(
        name: "logs", title: "Service or process logs",
        description: "The last lines of the services' logs, or of one service or app process. Returned as `lines`.",
        params: [P("service", .string, "Only this service or process."),
                 P("tail", .integer(minimum: 1, maximum: 10000), "How many of the last lines (default 100)."), branch],
        readOnly: true
    ) { a in
        var args = ["logs", "--tail", String(a.int("tail") ?? 100)] + flags(a, [("branch", "--branch")])
        if let s = a.string("service") { args += ["--", s] }
        return ToolInvocation(args, output: .lines(key: "lines"), mask: true, stdoutLimit: 1024 * 1024)
    }

    public static let seed = ToolSpec(
        name: "seed", title: "Apply seeds",
        description: "Apply the seed files not applied yet (force: all of them again), for every service or one. As `devenv seed --json`: applied, unchanged, changed.",
        params: [P("service", .string, "Only this service's seeds."),
                 P("force", .boolean, "Apply every seed file again, applied or not."), branch, wait]
    ) { a in
        var args = ["seed", "--json"] + flags(a, [("force", "--force"), ("branch", "--branch")])
        if let s = a.string("service") { args += ["--", s] }
        return ToolInvocation(args, output: .json(key: "seed"), locks: true, wait: a.bool("wait"))
    }

    public static let reset = ToolSpec(
        name: "reset", title: "Reset a service's data",
        description: "Delete a service's data (or every service's), start it again and re-apply its seeds. Needs confirm: true.",
        params: [P("service", .string, "Only this service (default: every service)."), confirm, readiness, branch, wait],
        destructive: true
    ) { a in
        try a.requireConfirm("reset deletes \(a.string("service").map { "\($0)'s" } ?? "every service's") data; it")
        var args = ["reset", "--yes"] + flags(a, [("branch", "--branch")])
        if let t = a.number("timeout") { args += ["--timeout", ToolArguments.text(t)] }
        if let s = a.string("service") { args += ["--", s] }
        return ToolInvocation(args, output: .lines(key: "output"), locks: true, wait: a.bool("wait"))
    }

    static let snapshotName = P("name", .string, "The snapshot's name.", required: true)

    public static let snapshotSave = ToolSpec(
        name: "snapshot_save", title: "Save a snapshot",
        description: "Copy every service's data into snapshot NAME (the services are stopped meanwhile, so the copy is consistent).",
        params: [snapshotName, branch, wait]
    ) { a in
        let args = ["snapshot", "save"] + flags(a, [("branch", "--branch")]) + ["--", a.string("name") ?? ""]
        return ToolInvocation(args, output: .lines(key: "output"), locks: true, wait: a.bool("wait"))
    }

    public static let snapshotRestore = ToolSpec(
        name: "snapshot_restore", title: "Restore a snapshot",
        description: "Replace the data of the snapshot's services with snapshot NAME. Needs confirm: true.",
        params: [snapshotName, confirm, branch, wait], destructive: true
    ) { a in
        try a.requireConfirm("snapshot_restore replaces the services' current data; it")
        let args = ["snapshot", "restore"] + flags(a, [("branch", "--branch")]) + ["--", a.string("name") ?? ""]
        return ToolInvocation(args, output: .lines(key: "output"), locks: true, wait: a.bool("wait"))
    }

    public static let run = ToolSpec(
        name: "run", title: "Run a command with the stack's environment",
        description: "Run a command (an argv, no shell unless you run one) with every key devenv manages in its environment (DATABASE_URL, …), in the project folder. Returns exit_code, stdout, stderr; stopped after timeout seconds; output beyond max_output_bytes is dropped (truncated: true).",
        params: [P("command", .strings(minItems: 1), "The program and its arguments, e.g. [\"psql\", \"-c\", \"select 1\"].", required: true),
                 P("timeout", .number(minimum: 1, maximum: 3600), "Seconds before the command is stopped (default 60)."),
                 P("max_output_bytes", .integer(minimum: 1, maximum: 16 * 1024 * 1024), "Bytes of stdout (and of stderr) kept (default 65536)."),
                 P("env_file", .string, "Only the keys of this env: file (e.g. api/.env)."), branch]
    ) { a in
        var args = ["run"] + flags(a, [("branch", "--branch")])
        if let f = a.string("env_file") { args += ["--env", f] }
        args += ["--"] + a.strings("command")
        return ToolInvocation(args, output: .command, timeout: a.number("timeout") ?? 60,
                              stdoutLimit: a.int("max_output_bytes") ?? 65536)
    }

    public static let doctor = ToolSpec(
        name: "doctor", title: "Check the machine and project",
        description: "The engine, compose, disk, the manifest, ports, .env files in git, stale branch stacks: each check with ok, detail and fix. As `devenv doctor --json`, under `checks`; isError when a check fails.",
        params: [], readOnly: true
    ) { _ in
        ToolInvocation(["doctor", "--json"], output: .json(key: "checks"))
    }
}
