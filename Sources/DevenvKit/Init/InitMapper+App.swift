import Foundation
import DevenvCore
import DevenvSpec

extension InitMapper {
    /// Whether an app service becomes a process: it has a command, or its build folder a runner devenv knows.
    func willRun(_ s: SourceService) -> Bool {
        guard let context = s.build, !relative(context).hasPrefix("..") else { return false }
        if let cmd = s.command, !cmd.isEmpty { return true }
        return InitProcesses.detect(folder: context.hasPrefix("/") ? context : dir + "/" + context, cwd: nil, name: "x") != nil
    }

    /// A service built from the project's own code: an app process run on the host, with its
    /// compose command (or what its build folder holds), its port and its env (in its folder's
    /// `.env`, connection values rewritten to the kinds' values), when that loses nothing of it
    /// (`process`); else a container built as compose builds it, saying what a process would drop.
    func mapApp(_ s: SourceService, names: [String: String], rewriter: InitRewriter, process: Bool, losses: [String],
                _ row: inout InitReport.Row, _ d: inout InitDetection) {
        let name = row.name!
        guard let context = s.build else {
            row.notCarried.append("the whole service: it has neither image: nor build:")
            return
        }
        let cwd = relative(context).replacingOccurrences(of: "^\\./", with: "", options: .regularExpression)
        let folder = cwd == "." ? nil : cwd
        let full = context.hasPrefix("/") ? context : dir + "/" + context
        guard process else {
            // devenv runs processes inside the project folder, as they run in compose: anything
            // else stays a container, built as compose builds it.
            let why = cwd.hasPrefix("..") || cwd.hasPrefix("/") ? "built from \(cwd), outside the project folder (run `devenv init` in the folder that holds both to run it on the host)"
                : !FileManager.default.fileExists(atPath: full) ? "built from \(folder ?? ".")/, which is not in this folder yet: `devenv up` builds it as compose does once it is"
                : !losses.isEmpty ? "built from \(folder ?? ".")/; as a host process it would lose " + losses.joined(separator: ", ")
                : "built from \(folder ?? ".")/, with no command: in compose and no package.json, pyproject.toml, Cargo.toml or Procfile devenv recognises there (move it under processes: to run it on the host)"
            d.report.warnings.append("\(s.name): kept as a container \(why)")
            mapGeneric(s, rewriter: rewriter, &row, &d)
            return
        }
        var p: InitProcess
        if let cmd = s.command, !cmd.isEmpty {
            p = InitProcess(name: name, run: ShellWords.join(cmd.map(text)), cwd: folder, listens: !s.ports.isEmpty, from: "compose command")
            row.carried.append("command")
        } else if let found = InitProcesses.detect(folder: full, cwd: folder, name: name) {
            p = found
            row.carried.append("run: \(found.run) (from \(found.from))")
        } else {
            return   // `process` is only true when one of the two holds (`willRun`)
        }
        row.became = "process"
        if let e = s.entrypoint { row.notCarried.append("entrypoint \(e.joined(separator: " ")): it runs in the image, not on the host") }
        let tcp = s.ports.filter { $0.proto == "tcp" }
        if let first = tcp.first {
            d.ports.append((name, first.published ?? first.target))
            row.carried.append("port \(first.published ?? first.target)")
            if first.published != nil, first.published != first.target {
                row.notCarried.append("port \(first.target) in the container: on the host the process listens on \(first.published!) itself")
            }
            p.listens = true
        }
        for port in s.ports where !(port.proto == "tcp" && port.target == tcp.first?.target) {
            row.notCarried.append("port \(port.target)/\(port.proto): a process has one port")
        }
        let file = (folder.map { $0 + "/" } ?? "") + ".env"
        for (k, v) in s.environment {
            guard let v else { row.notCarried.append("environment \(k): it has no value (compose takes it from the shell)"); continue }
            let value = rewriter.host(service: s.name, key: k, value: text(v), report: &d.report)
            if let other = d.env.first(where: { $0.file == file })?.keys.first(where: { $0.key == k }), other.value != value {
                row.notCarried.append("environment \(k): \(file) already has \(k) with another value, from a service built in the same folder")
                continue
            }
            d.addEnv(file, k, value)
            row.carried.append("env \(k) (in \(file))")
        }
        p.depends = s.dependsOn.compactMap { names[$0.name] }
        for v in s.volumes { row.notCarried.append("volume \(v.target): a process runs in the project folder itself") }
        if s.healthcheck != nil { row.notCarried.append("healthcheck: a process is ready when it runs (add ready: by hand)") }
        if !s.profiles.isEmpty { row.notCarried.append("profiles \(s.profiles.joined(separator: ", ")): devenv.yml has no profiles") }
        for k in s.otherKeys { row.notCarried.append("\(k): a process has no \(k)") }
        d.processes.append(InitProcesses.finish(p))
    }
}
