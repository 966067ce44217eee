import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Where a supervised process's lines go: always its log file (`processes/logs/NAME.log`,
/// what `devenv logs NAME` reads), and in a foreground `up` the terminal too, as
/// `name | line` in the process's colour. devenv's own lines about a process go to both as
/// `[devenv] …` in the file and `devenv | …` on the terminal.
final class ProcessLogSink: Sendable {
    /// A log file larger than this is moved to `NAME.log.1` when the supervisor starts.
    static let rotateAt: off_t = 10 * 1024 * 1024

    private let paths: ProcessPaths
    private let output: Output
    private let echo: Bool
    /// Each process's open log file; its lock also keeps two lines of a file whole.
    private let files = Locked<[String: Int32]>([:])
    private let prefixer: LogPrefixer

    /// `echo`: print to the terminal too (foreground). `names`: every name shown, for the
    /// prefix width and colours (services' too under `up --attach`).
    init(paths: ProcessPaths, output: Output, echo: Bool, names: [String]) {
        self.paths = paths; self.output = output; self.echo = echo
        prefixer = LogPrefixer(services: names, color: output.color)
    }

    func line(_ process: String, _ text: String) {
        append(process, text)
        if echo { output.print(prefixer.line(process, text)) }
    }

    func event(_ e: ProcessEvent) {
        append(e.process, "[devenv] " + e.message)
        note(e.message, problem: e.isProblem)
    }

    /// One of devenv's own lines, not about one process.
    func note(_ text: String, problem: Bool = false) {
        if echo { output.print(prefixer.note(problem ? output.style(text, .red) : text)) }
        else { output.print(Self.stamp() + " " + text) }
    }

    func close() {
        files.with { files in
            for fd in files.values { _ = Posix.close(fd) }
            files = [:]
        }
    }

    private func append(_ process: String, _ text: String) {
        files.with { files in
            var fd = files[process] ?? -1
            if fd < 0 {
                let path = paths.log(process)
                try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                var st = stat()
                if stat(path, &st) == 0, st.st_size > Self.rotateAt { rename(path, path + ".1") }
                fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
                guard fd >= 0 else { return }
                files[process] = fd
            }
            let bytes = Array((text + "\n").utf8)
            _ = bytes.withUnsafeBytes { Posix.write(fd, $0.baseAddress!, $0.count) }
        }
    }

    static func stamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}
