import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Reading, quoting and merging `.env` files.
///
/// Invariants:
/// - Reading follows docker compose (compose-go's dotenv parser) exactly, so what devenv reads
///   is what `docker compose --env-file` and `env_file:` read.
/// - `quote` writes every value so compose reads it back identically (see DotenvQuoting.swift
///   for the few values python-dotenv or Node cannot share).
/// - `merge` changes only the values of managed keys and appends missing ones; every other byte
///   of an existing file (comments, blank lines, order, `export`, CRLF, BOM, a missing final
///   newline) is kept, and a value a person changed is kept unless forced.
public enum Dotenv {
    /// Parse with docker compose's semantics (compose-go dotenv): single quotes (literal, `\'`
    /// for a quote), double quotes with escapes (`\n \r \t \a \b \f \v \" \\ \$ \0NNN`),
    /// multi-line quoted values, `export KEY=...`, `KEY: value`, inline ` #` comments on unquoted
    /// values, `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
    /// `${VAR+alt}`, `${VAR:?error}`, `${VAR?error}` in unquoted and double-quoted values, a `KEY`
    /// alone on its line taking its value from `lookup`, a leading BOM, CRLF, duplicate keys
    /// last-wins.
    ///
    /// A reference resolves as compose resolves it: from `lookup` first (compose passes the
    /// shell environment), then from keys set earlier in the file; an unknown name gives "".
    ///
    /// Returns each key once, in order of first appearance, with its last value.
    /// Errors are `DevenvError`s with message `FILE:LINE: what is wrong` and exit code `.usage`.
    public static func parse(_ text: String, file: String,
                             lookup: (String) -> String? = { _ in nil }) throws -> [(key: String, value: String)] {
        try DotenvScanner.scan(text, file: file, lookup: lookup).values
    }

    /// Reads the file at `path` (UTF-8) and parses it; a missing file reads as no keys.
    public static func read(path: String, file: String? = nil,
                            lookup: (String) -> String? = { _ in nil }) throws -> [(key: String, value: String)] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DevenvError("cannot read \(file ?? path)", hint: "check the file (`ls -l \(file ?? path)`) and its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DevenvError("\(file ?? path): not UTF-8 text", hint: "save the file as UTF-8")
        }
        return try parse(text, file: file ?? path, lookup: lookup)
    }

    /// Whether `key` is a name devenv may write: `[A-Za-z_][A-Za-z0-9_]*`, the portable
    /// environment variable names every reader and shell accepts.
    public static func isValidKey(_ key: String) -> Bool {
        EnvKey.isValid(key)
    }
}
