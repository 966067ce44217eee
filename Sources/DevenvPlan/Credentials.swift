import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

/// Random credentials per stack, persisted 0600 under `$DEVENV_HOME/stacks/<stack>/` (a 0700
/// folder), so they stay the same across `up`/`down` (the data volume was initialised with them).
///
/// A credentials file that cannot be read or decoded is never replaced by new secrets: it is
/// recovered through `paths.recovery` (the running containers' environment), or the command
/// stops naming the file and `devenv reset`.
public enum Credentials {
    public typealias Store = [String: [String: String]]

    /// The stored secrets (empty when the stack has none yet), and the damaged bytes when they
    /// had to be recovered. Writes nothing: read-only commands plan with this.
    public static func read(stack: String, paths: DevenvPaths, needs: [(service: String, secrets: [KindSecret])] = []) throws -> (Store, damaged: Data?) {
        let file = paths.credentialsFile(stack)
        guard let data = try StateFile.read(file, what: "the stack's credentials") else { return ([:], nil) }
        if let decoded = try? JSONDecoder().decode(Store.self, from: data) { return (decoded, nil) }
        guard let recover = paths.recovery.credentials else {
            throw damaged(file, what: data.isEmpty ? "empty" : "not the JSON devenv writes", services: needs.filter { !$0.secrets.isEmpty }.map(\.service))
        }
        return (try recover(stack, data), data)
    }

    /// `stored` with every secret the services need; `missing` says whether any was generated.
    /// `proposed`: values a proposal already showed (its plan), used for what is missing
    /// instead of new random ones, so the claim reserves what was proposed.
    public static func filling(_ stored: Store, needs: [(service: String, secrets: [KindSecret])], proposed: Store = [:]) -> (Store, missing: Bool) {
        var store = stored
        var missing = false
        for need in needs {
            for secret in need.secrets where store[need.service]?[secret.name] == nil {
                store[need.service, default: [:]][secret.name] = proposed[need.service]?[secret.name] ?? random(length: secret.length)
                missing = true
            }
        }
        return (store, missing)
    }

    /// Returns the stack's secrets, generating (and saving) any the services need but lack; a
    /// recovered file is saved and the damaged one kept beside it.
    public static func ensure(stack: String, needs: [(service: String, secrets: [KindSecret])], paths: DevenvPaths, proposed: Store = [:]) throws -> Store {
        let file = paths.credentialsFile(stack)
        try StateFile.makePrivateFolder(paths.stackDir(stack))
        let (stored, damaged) = try read(stack: stack, paths: paths, needs: needs)
        if let damaged { try Registry.keepDamaged(file, damaged) }
        let (store, missing) = filling(stored, needs: needs, proposed: proposed)
        if missing || damaged != nil { try save(store, stack: stack, paths: paths) }
        return store
    }

    /// Writes the stack's secrets (0600, atomically, in its 0700 folder).
    public static func save(_ store: Store, stack: String, paths: DevenvPaths) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try StateFile.makePrivateFolder(paths.stackDir(stack))
        try AtomicFile.write(try encoder.encode(store), to: paths.credentialsFile(stack), newFileMode: 0o600)
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

    /// Letters and digits only: safe in URLs, shells, YAML and every dotenv dialect.
    public static func random(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }
}
