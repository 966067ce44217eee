import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// `devenv logs NAME [-f]` for a process: its log file, whole or its last lines, then
/// (with `follow`) new lines as they are written, until interrupted.
public enum ProcessLogs {
    /// The last `lines` lines of a file (empty when it does not exist); with `from`, only
    /// those from the last line that starts with it (the latest run: `[devenv] started api`).
    public static func tail(_ path: String, lines: Int, from marker: String? = nil) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var all = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if all.last == "" { all.removeLast() }
        if let marker, let start = all.lastIndex(where: { $0.hasPrefix(marker) }) { all = Array(all[start...]) }
        return Array(all.suffix(lines))
    }

    /// Prints the log (its last `tail` lines when given); with `follow`, keeps printing what is
    /// added, polling the file (a new, shorter file — the supervisor started again — is read
    /// from its start).
    public static func show(_ ctx: DevenvContext, project: Project, process: String, follow: Bool, tail count: Int?) async throws {
        let paths = ProcessPaths(stateDir: StackPlanner.stateDir(root: project.manifest.root, stack: project.identity.stack))
        let path = paths.log(process)
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !follow {
            ctx.output.error("process \(process) has no log yet (it has not run on stack \(project.identity.stack); `devenv up \(process)` starts it)")
            return
        }
        var offset: off_t = 0
        if let count {
            for line in tail(path, lines: count) { ctx.output.print(line) }
            offset = size(path) ?? 0
        } else {
            offset = copy(path, from: 0, to: ctx.output)
        }
        guard follow else { return }
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 150_000_000)
            guard let now = size(path) else { continue }
            if now < offset { offset = 0 }
            if now > offset { offset = copy(path, from: offset, to: ctx.output) }
        }
    }

    static func size(_ path: String) -> off_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_size : nil
    }

    /// Writes the file from `offset` to its current end, whole lines only; returns the new offset.
    static func copy(_ path: String, from offset: off_t, to output: Output) -> off_t {
        guard let h = FileHandle(forReadingAtPath: path) else { return offset }
        defer { try? h.close() }
        try? h.seek(toOffset: UInt64(offset))
        let data = (try? h.readToEnd()) ?? Data()
        guard let lastNewline = data.lastIndex(of: 10) else { return offset }
        let chunk = data[data.startIndex...lastNewline]
        output.raw(String(decoding: chunk, as: UTF8.self))
        return offset + off_t(chunk.count)
    }
}
