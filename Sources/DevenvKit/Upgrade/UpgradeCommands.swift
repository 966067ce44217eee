import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// The commands of `devenv upgrade`, as values (pure): the old server in a container of the
/// old image on the stack's network, and the kind's `upgrade:` argvs run in the servers'
/// containers. Secrets go by name (`-e NAME`, the value in the
/// docker CLI's environment), never in an argv.
public enum UpgradeCommands {
    /// The container name of the old server while an upgrade copies from it.
    public static func fromContainer(stack: String, service: String) -> String { "\(stack)-upgrade-\(service)-from" }

    /// Its host name on the stack's network (a DNS label: at most 63 characters, so not the
    /// container name, which carries the stack's long name).
    public static func fromHost(service: String) -> String { String("devenv-upgrade-from-\(service)".prefix(63)) }

    /// The container name of the new server the data is loaded into, when the kind loads it
    /// into a server of its own (`upgrade.load`), and its host name on the stack's network.
    public static func toContainer(stack: String, service: String) -> String { "\(stack)-upgrade-\(service)-to" }
    public static func toHost(service: String) -> String { String("devenv-upgrade-to-\(service)".prefix(63)) }

    /// The compose default network of the stack.
    public static func network(stack: String) -> String { "\(stack)_default" }

    /// The image of the old major version: the planned image's tag replaced by `version`,
    /// through the machine's image map (`postgres:17` → `postgres:15` → a mirror's name).
    public static func oldImage(requested: String, version: String, imageMap: ImageMap) -> String {
        let (repo, _) = ImageMap.split(requested)
        return imageMap.resolve("\(repo):\(version)")
    }

    /// `docker run --detach --rm` of the old server on its volume, on the stack's network, with
    /// the kind's compose `command:` (Redis: its password and append-only file). The engine
    /// removes it once it stops: `docker kill` returns when it has stopped, before the removal,
    /// which under load took up to 1.5 s more.
    public static func server(name: String, host: String, network: String, image: String, volume: String, dataPath: String,
                              environment: [(String, String)], command: [String] = [], stopSignal: String? = nil,
                              labels: [(String, String)]) -> Command {
        var args = ["run", "--detach", "--rm", "--name", name, "--network", network, "--network-alias", host]
        if let stopSignal { args += ["--stop-signal", stopSignal] }
        args += labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
        for (k, _) in environment { args += ["-e", k] }
        args += ["-v", "\(volume):\(dataPath)", image] + command
        return Command("docker", args, environment: Dictionary(environment, uniquingKeysWith: { $1 }))
    }

    /// `docker stop` of a server started by `server(…)`: its stop signal (a clean shutdown),
    /// then a kill only after `seconds`.
    public static func stop(name: String, seconds: Int) -> Command {
        Command("docker", ["stop", "--time", String(seconds), name])
    }

    /// The `stop_signal:` of the kind's compose fragment (a clean shutdown), nil when it has none.
    public static func stopSignal(_ s: PlannedService) throws -> String? {
        try s.kind?.compose.value("stop_signal", s.context)?.string
    }

    /// One of the kind's `upgrade:` argvs, rendered with `{{upgrade.*}}`, run in `container`
    /// (`docker exec`: one of the two servers, on the stack's network). Empty arguments are
    /// dropped; `env:` goes by name.
    /// `templates`: the kind's, compiled when it loaded.
    public static func client(_ argv: [String], env: [TemplateEntry], context: [String: Any], templates: CompiledTemplates,
                              upgrade: [String: String], container: String) throws -> Command {
        var ctx = context
        ctx["upgrade"] = upgrade
        let rendered = try render(argv, context: context, templates: templates, upgrade: upgrade)
        let values = try env.map { ($0.key, try templates.render($0.template, ctx)) }
        var args = ["exec"]
        for (k, _) in values { args += ["-e", k] }
        args += [container] + rendered
        return Command("docker", args, environment: Dictionary(values, uniquingKeysWith: { $1 }))
    }

    /// An `upgrade:` argv rendered with `{{upgrade.*}}`, empty arguments dropped.
    public static func render(_ argv: [String], context: [String: Any], templates: CompiledTemplates, upgrade: [String: String]) throws -> [String] {
        var ctx = context
        ctx["upgrade"] = upgrade
        let rendered = try argv.map { try templates.render($0, ctx) }.filter { !$0.isEmpty }
        guard !rendered.isEmpty else { throw DevenvError("an upgrade command of the kind renders to nothing") }
        return rendered
    }

    /// The `environment:` the kind's compose fragment gives the server (then the manifest's
    /// `env:`), so the old server starts as the service did.
    public static func environment(_ s: PlannedService) throws -> [(String, String)] {
        var out: [(String, String)] = []
        if let kind = s.kind {
            out = try kind.compose.environment(s.context).pairs
        }
        for (k, v) in s.spec.environment { out.removeAll { $0.0 == k }; out.append((k, v)) }
        return out
    }

    /// The `command:` of the kind's compose fragment, as compose runs it (`$$` is a `$`);
    /// empty when it has none (the image's own).
    public static func command(_ s: PlannedService) throws -> [String] {
        guard let node = try s.kind?.compose.value("command", s.context) else { return [] }
        let parts = node.sequence.map { $0.compactMap(\.string) } ?? node.string.map { [$0] } ?? []
        return parts.map { $0.replacingOccurrences(of: "$$", with: "$") }
    }

    /// `TABLE ROWS` lines → rows by table (pure).
    public static func parseRows(_ text: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let n = Int(parts.last!) { out[parts.dropLast().joined(separator: " ")] = n }
        }
        return out
    }

    /// The rows per table a copy reports in its own output, as the kind's `upgrade.copied`
    /// reads them (pure): each match of its pattern gives a table and its rows, a later match
    /// of a table winning; quoted parts of a name lose their quotes (`a."B ""c"""` → `a.B "c"`).
    public static func parseCopied(_ text: String, _ copied: UpgradeSchema.CopiedRows) throws -> [String: Int] {
        let re = try NSRegularExpression(pattern: copied.pattern, options: .anchorsMatchLines)
        var out: [String: Int] = [:]
        let ns = text as NSString
        for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) where m.numberOfRanges >= 3 {
            let (name, rows) = (m.range(at: 1), m.range(at: 2))
            guard name.location != NSNotFound, rows.location != NSNotFound, let n = Int(ns.substring(with: rows)) else { continue }
            out[unquote(ns.substring(with: name), quote: copied.quote?.first)] = n
        }
        return out
    }

    /// A dotted name with its quoted parts unquoted (a doubled quote inside is one).
    static func unquote(_ name: String, quote: Character?) -> String {
        guard let q = quote, name.contains(q) else { return name }
        var out = "", quoted = false
        var chars = name.makeIterator()
        var pending = chars.next()
        while let c = pending {
            pending = chars.next()
            if c == q {
                if quoted, pending == q { out.append(q); pending = chars.next() }   // "" inside quotes
                else { quoted.toggle() }
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// One name a line → the names (pure).
    public static func parseNames(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
