import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// A `.env` target as devenv may edit it: opened once, read whole, written back atomically.
/// `up`, `env` and `mirror` all go through it.
///
/// Invariants (no byte of a person's file is lost):
/// - A file devenv cannot read — a folder, a FIFO or device, no permission, an I/O error, a
///   dangling symbolic link — is an error naming the file, the reason and the fix; nothing is
///   written. It never counts as "no file".
/// - A file that is not valid UTF-8 is edited byte for byte (`ByteText`): the bytes devenv
///   does not change stay exactly as they were.
/// - A symbolic link stays a link: devenv edits the file it points at, in place (mode and owner
///   kept), and only when that file lies inside the project; a link leading out of the project
///   is refused.
public struct EnvFile {
    /// The path as the manifest names it (`api/.env`), for messages.
    public var display: String
    /// The file devenv reads and writes: the path itself, or a link's target inside the project.
    public var target: String
    /// Set when `display` is a symbolic link (to `target`).
    public var linkedFrom: String?
    /// The current text (nil: no file yet). For a file that is not UTF-8, `ByteText` text.
    public var text: String?
    /// False when the file is not valid UTF-8 and is edited byte for byte.
    public var isUTF8 = true

    public var exists: Bool { text != nil }

    /// Opens `root/display` for a merge. Throws a `DevenvError` (exit 1) for anything devenv
    /// cannot read or may not edit.
    public static func open(_ display: String, root: String) throws -> EnvFile {
        let path = root + "/" + display
        var file = EnvFile(display: display, target: path)
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return file }
            throw refusal(display, String(cString: strerror(errno)), fix: "Check the folders on the way to it (`ls -ld \((path as NSString).deletingLastPathComponent)`).")
        }
        if (st.st_mode & S_IFMT) == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw refusal(display, "it is a symbolic link to a file that does not exist",
                              fix: "Create the file it points at (`ls -l \(display)`), or remove the link so devenv creates a file.")
            }
            let resolved = String(cString: real)
            free(real)
            let projectRoot = realpath(root, nil).map { p -> String in defer { free(p) }; return String(cString: p) } ?? root
            guard resolved.hasPrefix(projectRoot.hasSuffix("/") ? projectRoot : projectRoot + "/") else {
                throw refusal(display, "it is a symbolic link to \(resolved), outside the project; devenv edits only files inside the project",
                              fix: "Point the link at a file inside the project, or replace it with a copy (`cp --remove-destination \(resolved) \(display)`).")
            }
            file.target = resolved
            file.linkedFrom = display
            guard stat(resolved, &st) == 0 else { throw refusal(display, String(cString: strerror(errno)), fix: "Check `ls -lL \(display)`.") }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            throw refusal(display, "it is a folder, not a file", fix: "Move the folder aside (`mv \(display) \(display).d`) or name another file in devenv.yml's env:.")
        default:
            throw refusal(display, "it is not a regular file (a pipe, socket or device)", fix: "Replace it with a regular file, or name another file in devenv.yml's env:.")
        }
        let fd = Posix.open(file.target, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw refusal(display, String(cString: strerror(errno)), fix: "Make it readable for you (`ls -l \(display)`; `chmod u+rw \(display)`).")
        }
        defer { close(fd) }
        guard let data = StateFile.readAll(fd) else {
            throw refusal(display, String(cString: strerror(errno)), fix: "Check the file (`ls -l \(display)`) and the disk it is on.")
        }
        // `String(validating:as:)` keeps a leading byte-order mark (Foundation's
        // `String(data:encoding: .utf8)` drops it, and the write-back would lose it).
        if let text = String(validating: data, as: UTF8.self) {
            file.text = text
        } else {
            file.text = ByteText.decode(data)
            file.isUTF8 = false
        }
        return file
    }

    /// The bytes to write for `text` (the merge's result).
    public func encode(_ text: String) throws -> Data {
        if isUTF8 { return Data(text.utf8) }
        return ByteText.encode(text)
    }

    /// Writes `text` atomically to `target`: a new file 0600 (it holds passwords), an existing
    /// one keeps its mode and owner; a new file's folders are made like any project folder.
    public func write(_ text: String) throws {
        try AtomicFile.write(try encode(text), to: target, newFileMode: 0o600, folderMode: 0o755)
    }

    /// Checks that values devenv is about to insert can be written into this file.
    public func checkInsertable(_ values: [(key: String, value: String)]) throws {
        guard !isUTF8 else { return }
        for (key, value) in values where value.unicodeScalars.contains(where: ByteText.isEscape) {
            throw Self.refusal(display, "the value of \(key) holds characters U+F700–U+F7FF, which devenv cannot write into a file that is not UTF-8",
                          fix: "Save \(display) as UTF-8.")
        }
    }

    static func refusal(_ display: String, _ reason: String, fix: String) -> DevenvError {
        DevenvError("cannot update \(display): \(reason); devenv changed nothing", hint: fix, exitCode: .failure)
    }
}
