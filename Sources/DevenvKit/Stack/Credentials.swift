import Foundation

/// Random credentials per stack, persisted 0600 under `$DEVENV_HOME/stacks/<stack>/`, so they
/// stay the same across `up`/`down` (the data volume was initialised with them).
public enum Credentials {
    public typealias Store = [String: [String: String]]

    /// Returns the stack's secrets, generating (and saving) any the services need but lack.
    public static func ensure(stack: String, needs: [(service: String, secrets: [(name: String, length: Int)])],
                              paths: DevenvPaths) throws -> Store {
        let file = paths.credentialsFile(stack)
        var store: Store = [:]
        if let data = FileManager.default.contents(atPath: file) {
            store = (try? JSONDecoder().decode(Store.self, from: data)) ?? [:]
        }
        var changed = false
        for need in needs {
            for secret in need.secrets where store[need.service]?[secret.name] == nil {
                store[need.service, default: [:]][secret.name] = random(length: secret.length)
                changed = true
            }
        }
        if changed {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(store), to: file, newFileMode: 0o600)
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
