import Foundation

/// What `devenv upgrade SERVICE` reports (`--json`).
extension UpgradeOperation {
    /// One database's copy: its rows and tables as both servers counted them, and its time.
    public struct DatabaseCopy: Encodable, Sendable {
        public var name: String
        public var rows: Int
        public var tables: Int
        public var seconds: Double
    }

    /// The outcome of an upgrade, a rollback or a finish.
    public struct Outcome: Encodable, Sendable {
        public var service: String
        public var action: String
        /// The versions before and after (equal: nothing to do).
        public var from: String
        public var to: String
        public var volume: String
        public var previous: String?
        public var snapshot: String?
        public var databases: [DatabaseCopy] = []
        public var seconds: Double = 0
        /// How long the service did not answer for its data.
        public var unavailable: Double = 0
        /// Seconds per step: `files` (a files method's copy), `servers` (both servers' starts,
        /// until the old one listed its databases and roles and the new one answered: its probe,
        /// or a load server its listing), `roles and copy` (the roles, then each database's copy
        /// and both sides' row counts), `service` (with a load server: it stopped, the service
        /// started on the new volume until its probe), `checks` (the new server's databases and
        /// roles, the swap, the old server stopped).
        public var phases: [String: Double] = [:]
        public var message: String
    }
}
