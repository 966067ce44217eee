import Foundation

/// Random credentials per stack, persisted 0600 under `$DEVENV_HOME/stacks/<stack>/`, so they
/// stay the same across `up`/`down` (the data volume was initialised with them).
public enum Credentials {
    public typealias Store = [String: [String: String]]

    /// Returns the stack's secrets, generating (and saving) any the services need but lack.
    ///
    /// A credentials file that cannot be read or decoded is never replaced by new secrets (the
    /// data volumes were initialised with the old ones): it is recovered through
    /// `paths.recovery` (the running containers' environment), or the command stops naming the
    /// file and `devenv reset`.
    public static func ensure(stack: String, needs: [(service: String, secrets: [(name: String, length: Int)])],
                              paths: DevenvPaths) throws -> Store {
        let file = paths.credentialsFile(stack)
        try StateFile.makePrivateFolder(paths.stackDir(stack))
        var store: Store = [:]
        var changed = false
        if let data = try StateFile.read(file, what: "the stack's credentials") {
            if let decoded = try? JSONDecoder().decode(Store.self, from: data) {
                store = decoded
            } else {
                guard let recover = paths.recovery.credentials else {
                    throw damaged(file, what: data.isEmpty ? "empty" : "not the JSON devenv writes", services: needs.filter { !$0.secrets.isEmpty }.map(\.service))
                }
                store = try recover(stack, data)
                try Registry.keepDamaged(file, data)
                changed = true
            }
        }
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

    /// The refusal for a damaged credentials file whose secrets could not all be recovered.
    public static func damaged(_ file: String, what: String, services: [String]) -> DevenvError {
        let names = services.isEmpty ? "SERVICE" : services.joined(separator: " | ")
        return DevenvError(
            "the stack's credentials \(file) are damaged (\(what)), and the passwords of \(services.isEmpty ? "its services" : services.joined(separator: ", ")) "
                + "could not be recovered from their containers; devenv changed nothing",
            hint: "Put back a good copy of the file if you have one. Otherwise `devenv reset \(names)` deletes that data and starts it with new passwords "
                + "(the damaged file is kept beside it).")
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
