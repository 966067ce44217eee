import ArgumentParser
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv --context NAME up` works like `devenv up --context NAME`, as `docker --context NAME ps`
/// does: the global options (`GlobalOptions`: `-c/--context`, `-C/--directory`) written before
/// the subcommand are moved behind its path (`snapshot save`), where every command declares
/// them. Nothing else changes place, so `devenv run -- CMD` and `devenv compose …` keep their
/// arguments as typed.
enum LeadingGlobalOptions {
    static let taking = ["-c", "--context", "-C", "--directory"]

    static func hoisted(_ args: [String], root: ParsableCommand.Type = Devenv.self) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < args.count {
            if taking.contains(args[i]), i + 1 < args.count {
                leading += args[i...(i + 1)]
                i += 2
            } else if args[i].hasPrefix("--context=") || args[i].hasPrefix("--directory=") {
                leading.append(args[i])
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return args }
        var rest = Array(args[i...])
        var command = root
        var depth = 0
        while depth < rest.count, let sub = command.configuration.subcommands.first(where: { $0._commandName == rest[depth] }) {
            command = sub
            depth += 1
        }
        rest.insert(contentsOf: leading, at: depth)
        return rest
    }
}
