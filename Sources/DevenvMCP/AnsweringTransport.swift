import Foundation
import Logging
import MCP

/// The stdio transport, except that the end of stdin ends the message stream only once every
/// request read was answered: a client that writes its requests and closes stdin still gets
/// each answer (the SDK's server stops reading at end of input and would exit before them).
actor AnsweringTransport: Transport {
    private let inner: any Transport
    nonisolated let logger: Logger
    /// Ids of requests read and not answered yet (as JSON text, so 1 and "1" differ).
    private var pending = Set<String>()
    private var whenAnswered: CheckedContinuation<Void, Never>?

    init(_ inner: some Transport) {
        self.inner = inner
        self.logger = Logger(label: "devenv.mcp", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    func connect() async throws { try await inner.connect() }
    func disconnect() async { await inner.disconnect() }

    func send(_ data: Data) async throws {
        try await inner.send(data)
        for id in Self.ids(data, requests: false) { pending.remove(id) }
        if pending.isEmpty, let c = whenAnswered { whenAnswered = nil; c.resume() }
    }

    func receive() -> AsyncThrowingStream<Data, Swift.Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await data in await inner.receive() {
                        for id in Self.ids(data, requests: true) { pending.insert(id) }
                        continuation.yield(data)
                    }
                    await answered()
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func answered() async {
        guard !pending.isEmpty else { return }
        await withCheckedContinuation { whenAnswered = $0 }
    }

    /// The ids of the requests (`method` and `id`) or responses (`id`, no `method`) in a message or batch.
    static func ids(_ data: Data, requests: Bool) -> [String] {
        guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        let messages = (json as? [[String: Any]]) ?? [(json as? [String: Any])].compactMap { $0 }
        return messages.compactMap { m in
            guard let id = m["id"], !(id is NSNull), (m["method"] != nil) == requests,
                  let text = try? JSONSerialization.data(withJSONObject: [id], options: []) else { return nil }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
