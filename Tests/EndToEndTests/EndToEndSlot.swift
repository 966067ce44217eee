import Dispatch
import Foundation
import Testing

/// Where end-to-end tests run, and how many at once.
///
/// They block their thread while a `devenv` or `docker` child runs (`ProjectFixture.run` and the
/// like are synchronous). On Swift's cooperative pool, which has one thread per core, two such
/// tests stall every other test of the process, unit tests included: a continuation waits behind
/// them for minutes, and an in-process timeout then fires for work that had long finished (CI,
/// 2 cores: `docker compose config` "timed out after 300 s" in init's tests).
///
/// So each end-to-end test runs on threads of its own (`OwnThreads`), and at most
/// `DEVENV_E2E_WIDTH` of them (default 3) run at once; a test waiting for its turn holds no thread.
struct EndToEndSlot: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard !test.isSuite else { return try await function() }
        await Turns.shared.take()
        do {
            try await withTaskExecutorPreference(OwnThreads.shared) { try await function() }
            await Turns.shared.give()
        } catch {
            await Turns.shared.give()
            throw error
        }
    }
}

extension SuiteTrait where Self == EndToEndSlot {
    /// Runs the suite's tests off the cooperative pool, a bounded number at once.
    static var endToEnd: Self { EndToEndSlot() }
}

/// A task executor that runs every job on a serial dispatch queue of its own. Such queues sit on
/// libdispatch's overcommitting pool, so a job that blocks gets a new thread beside it instead of
/// holding one of the cooperative pool's few. Child tasks (`async let`, task groups) inherit it
/// and still run side by side.
final class OwnThreads: TaskExecutor, Sendable {
    static let shared = OwnThreads()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        DispatchQueue(label: "devenv.e2e").async { job.runSynchronously(on: executor) }
    }
}

/// The turns of end-to-end tests: `width` at a time, the rest waiting in order.
actor Turns {
    static let shared = Turns(width: Int(ProcessInfo.processInfo.environment["DEVENV_E2E_WIDTH"] ?? "") ?? 3)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = max(1, width) }

    func take() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
