import Foundation

/// Random credentials per stack, persisted 0600 under `$DEVENV_HOME/stacks/<stack>/`, so they
/// stay the same across `up`/`down` (the data volume was initialised with them).
public enum Credentials {
    public typealias Store = [String: [String: String]]

    /// The stored secrets; empty when the stack has none yet. A file devenv cannot read is an
    /// error, never treated as empty (new secrets would lock the user out of their data).
    public static func read(stack: String, paths: DevenvPaths) throws -> Store {
        let file = paths.credentialsFile(stack)
        guard let data = FileManager.default.contents(atPath: file) else {
            if FileManager.default.fileExists(atPath: file) { throw damaged(file, stack: stack, why: "it cannot be read") }
            return [:]
        }
        guard let store = try? JSONDecoder().decode(Store.self, from: data) else { throw damaged(file, stack: stack, why: "it is not valid JSON") }
        return store
    }

    static func damaged(_ file: String, stack: String, why: String) -> DevenvError {
        DevenvError("the credentials of stack '\(stack)' (\(file)) are damaged: \(why)",
                    hint: "Restore the file from a backup, or start the data over with `devenv reset` (or `devenv down --volumes`), then remove the file.")
    }

    /// `stored` with every secret the services need; `missing` says whether any was generated.
    public static func filling(_ stored: Store, needs: [(service: String, secrets: [KindSecret])]) -> (Store, missing: Bool) {
        var store = stored
        var missing = false
        for need in needs {
            for secret in need.secrets where store[need.service]?[secret.name] == nil {
                store[need.service, default: [:]][secret.name] = random(length: secret.length)
                missing = true
            }
        }
        return (store, missing)
    }

    /// Returns the stack's secrets, generating (and saving) any the services need but lack.
    public static func ensure(stack: String, needs: [(service: String, secrets: [KindSecret])], paths: DevenvPaths) throws -> Store {
        let (store, missing) = filling(try read(stack: stack, paths: paths), needs: needs)
        if missing {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(store), to: paths.credentialsFile(stack), newFileMode: 0o600)
        }
        return store
    }

    /// Gives `stack` the secrets of `parent`: a branch stack whose data is a copy of its
    /// parent's must log in the way that data was initialised (Postgres keeps its password).
    public static func copy(from parent: String, to stack: String, paths: DevenvPaths) throws {
        guard let data = FileManager.default.contents(atPath: paths.credentialsFile(parent)) else { return }
        try AtomicFile.write(data, to: paths.credentialsFile(stack), newFileMode: 0o600)
    }

    /// Letters and digits only: safe in URLs, shells, YAML and every dotenv dialect.
    public static func random(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }
}
