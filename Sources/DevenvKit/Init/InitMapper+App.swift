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
    /// `.env`, connection values rewritten to the kinds' values).
    func mapApp(_ s: SourceService, names: [String: String], rewriter: InitRewriter, _ row: inout InitReport.Row, _ d: inout InitDetection) {
        let name = row.name!
        guard let context = s.build else {
            row.notCarried.append("the whole service: it has neither image: nor build:")
            return
        }
        let cwd = relative(context).replacingOccurrences(of: "^\\./", with: "", options: .regularExpression)
        let folder = cwd == "." ? nil : cwd
        let full = context.hasPrefix("/") ? context : dir + "/" + context
        var p: InitProcess
        if cwd.hasPrefix("..") || cwd.hasPrefix("/") {
            // devenv runs processes inside the project folder: this one stays a container, built as compose builds it.
            d.report.warnings.append("\(s.name): built from \(cwd), outside the project folder: kept as a container built from there (run `devenv init` in the folder that holds both to run it on the host)")
            mapGeneric(s, rewriter: rewriter, &row, &d)
            return
        }
        if let cmd = s.command, !cmd.isEmpty {
            p = InitProcess(name: name, run: ShellWords.join(cmd.map(text)), cwd: folder, listens: !s.ports.isEmpty, from: "compose command")
            row.carried.append("command")
        } else if let found = InitProcesses.detect(folder: full, cwd: folder, name: name) {
            p = found
            row.carried.append("run: \(found.run) (from \(found.from))")
        } else if !FileManager.default.fileExists(atPath: full) {
            row.notCarried.append("the whole service: built from \(folder ?? ".")/, with no command: in compose and no package.json, pyproject.toml, Cargo.toml or Procfile devenv recognises there; add it under processes: by hand")
            for (k, _) in s.environment { row.notCarried.append("environment \(k): its service is not carried") }
            for port in s.ports { row.notCarried.append("port \(port.target): its service is not carried") }
            return
        } else {
            d.report.warnings.append("\(s.name): built from \(folder ?? ".")/, with no command: in compose and no package.json, pyproject.toml, Cargo.toml or Procfile devenv recognises there: kept as a container built from its Dockerfile (move it under processes: to run it on the host)")
            mapGeneric(s, rewriter: rewriter, &row, &d)
            return
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
