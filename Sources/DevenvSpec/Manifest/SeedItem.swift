import Foundation
import DevenvCore

/// One seed file to apply to one target: the unit the ledger records.
///
/// A folder (kinds whose `seed.folders` is true) becomes one item per file, keyed by its path
/// inside the folder, so a new file is applied on the next `up` without the others again.
public struct SeedItem: Sendable, Equatable {
    /// The service (name in `services:`) the file goes to.
    public var service: String
    /// The file as the project names it, relative to the project root (`db/seed.sql.gz`).
    public var file: String
    /// The absolute path streamed to the container.
    public var path: String
    /// Which of the kind's `seed.formats` applies it.
    public var format: Int
    /// `{{seed.…}}`: the entry's options (defaults filled in), the key's named groups,
    /// `file`, `name`, `key`, `content_type`.
    public var values: [String: SettingValue]
    /// What the file is applied to, as the ledger and messages name it (`shop`, `myflow.users`,
    /// `uploads/logo.png`): the kind's `seed.target` rendered.
    public var target: String
    /// Where the manifest asks for it (for messages).
    public var line: Int
    public var column: Int

    public init(service: String, file: String, path: String, format: Int = 0, values: [String: SettingValue] = [:],
                target: String, line: Int = 0, column: Int = 0) {
        self.service = service; self.file = file; self.path = path; self.format = format
        self.values = values; self.target = target; self.line = line; self.column = column
    }

    /// `{{seed.…}}` as a Mustache context.
    public var templateContext: [String: Any] { values.mapValues(\.templateValue) }

    /// The Content-Type an object store serves a file back with, from its extension.
    public static func contentType(of key: String) -> String {
        let types = [
            "json": "application/json", "txt": "text/plain", "md": "text/markdown", "csv": "text/csv",
            "html": "text/html", "htm": "text/html", "css": "text/css", "js": "text/javascript", "xml": "application/xml",
            "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
            "svg": "image/svg+xml", "ico": "image/x-icon", "pdf": "application/pdf", "zip": "application/zip",
            "gz": "application/gzip", "mp3": "audio/mpeg", "mp4": "video/mp4", "webm": "video/webm", "wasm": "application/wasm",
        ]
        return types[(key as NSString).pathExtension.lowercased()] ?? "application/octet-stream"
    }
}
