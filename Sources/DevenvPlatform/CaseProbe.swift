/// Asks a folder's disk whether `a` and `A` are two names: creates a file with a lower-case
/// name and looks for it under the upper-case one. The file is removed at once.
public enum CaseProbe {
    public static func isCaseSensitive(_ directory: String) -> Bool {
        let name = ".devenv-case-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let lower = directory + "/" + name, upper = directory + "/" + name.uppercased()
        let fd = Posix.open(lower, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return true }   // a folder devenv cannot write to: nothing of ours can collide there
        Posix.close(fd)
        defer { unlink(lower) }
        var st = stat()
        return stat(upper, &st) != 0
    }
}
