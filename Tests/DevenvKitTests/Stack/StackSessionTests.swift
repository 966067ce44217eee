import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The stack session every command that changes a stack works in: its lock is released on
/// every path, a second devenv waits for it saying so once (nothing when quiet), and its claim
/// is made once. Against a simulated engine, in a home of its own.
@Suite struct StackSessionTests {
    struct World: Sendable {
        let root: String, home: String
        let docker = SimulatedDocker()
        init() throws {
            root = TestSupport.tempDir("session"); home = TestSupport.tempDir("session-home")
            try "name: shop\nservices:\n  redis: {}\n".write(toFile: root + "/devenv.yml", atomically: true, encoding: .utf8)
        }
        func ctx(_ output: Output = .capturing()) -> DevenvContext {
            DevenvContext(cwd: root, environment: ["DEVENV_HOME": home, "HOME": home, "DEVENV_PORT_RANGE": "30000-30999", "DEVENV_IMAGES_FILE": home + "/none.yml"],
                          output: output, runner: docker, engine: docker, prober: ReadyProber(), now: { Date(timeIntervalSince1970: 1_800_000_000) })
        }
        var lockFile: String { DevenvPaths(environment: ["DEVENV_HOME": home, "HOME": home]).stackLock("shop") }
        func project() throws -> Project { try Project.load(ctx()) }
        /// Whether nobody holds the stack's lock (taking it for a moment).
        func lockIsFree() throws -> Bool {
            guard let lock = try FileLock.tryAcquire(lockFile) else { return false }
            lock.unlock()
            return true
        }
    }

    struct Boom: Error {}

    static func poll(_ seconds: TimeInterval = 10, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() && Date() < deadline { usleep(10_000) }
    }

    /// Whether some thread waits for a flock on `file` (Linux's /proc/locks marks waiters `->`);
    /// nil where the system does not say.
    static func someoneWaits(on file: String) -> Bool? {
        guard let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        var st = stat()
        guard stat(file, &st) == 0 else { return false }
        return locks.split(separator: "\n").contains { $0.contains("->") && $0.contains("FLOCK") && $0.hasSuffix(":\(st.st_ino) 0 EOF") }
    }

    @Test func theLockIsHeldInTheSessionAndReleasedWhenItsWorkThrows() async throws {
        let w = try World()
        let project = try w.project()
        await #expect(throws: Boom.self) {
            try await StackSession.with(w.ctx(), project: project) { session in
                await Task.yield()   // the async form, which the commands that run children use
                #expect(session.stack == "shop")
                #expect(try !w.lockIsFree(), "held while the session works")
                throw Boom()
            }
        }
        #expect(try w.lockIsFree(), "released when the work threw")
        let plan = try StackSession.with(w.ctx(), project: project) { session in try session.claimedPlan() }
        #expect(plan.claimed && plan.identity.stack == "shop")
        #expect(try w.lockIsFree(), "released when the work returned")
    }

    /// A second session on the same stack (another devenv, or another command in this one) runs
    /// only once the first has ended; unless quiet it says once why it waits.
    @Test(arguments: [false, true])
    func aSecondSessionWaitsForTheFirst(quiet: Bool) throws {
        let w = try World()
        let second = Output.capturing()
        let entered = Locked(false), done = Locked(false), firstEnded = Locked(false)
        let message = "waiting for another devenv working on stack 'shop'…"
        try StackSession.with(w.ctx(), project: try w.project(), ping: false) { _ in
            let thread = Thread {
                let ctx = w.ctx(second)
                _ = try? StackSession.with(ctx, project: try Project.load(ctx), ping: false, quiet: quiet) { _ in
                    if !firstEnded.value { Issue.record("the second session ran while the first held the lock") }
                    entered.with { $0 = true }
                }
                done.with { $0 = true }
            }
            thread.start()
            if quiet {
                Self.poll { Self.someoneWaits(on: w.lockFile) != false || done.value }
                if let waits = Self.someoneWaits(on: w.lockFile) { #expect(waits, "the second session waits for the lock (/proc/locks)") }
            } else {
                Self.poll { second.printed.stderr.contains(message) || done.value }
                #expect(second.printed.stderr.contains(message), "the second session says why it waits")
            }
            #expect(!done.value, "the second session waits while the first holds the lock")
            firstEnded.with { $0 = true }
        }
        Self.poll { done.value }
        #expect(done.value && entered.value, "the second session runs once the first has ended")
        let said = second.printed.stderr.components(separatedBy: message).count - 1
        #expect(said == (quiet ? 0 : 1), "\(quiet ? "quiet: no word" : "the waiting line once"): \(second.printed.stderr)")
    }

    /// The claim is made once in a session; a plan proposed before it is kept when the claim
    /// reserves what it proposed (an existing stack), so `up` plans once.
    @Test func theClaimIsMadeOnceAndKeepsTheProposalOfAClaimedStack() async throws {
        let w = try World()
        let project = try w.project()
        let first = try StackSession.with(w.ctx(), project: project) { session in
            let plan = try session.claimedPlan(touch: true)
            #expect(try session.claimedPlan().services.map(\.ports) == plan.services.map(\.ports), "a second ask gives the same plan")
            return plan
        }
        let again = try StackSession.with(w.ctx(), project: project) { session in
            let proposed = try session.proposedPlan()
            #expect(proposed.claimed, "the stack has its ports and secrets")
            let claimed = try session.claimedPlan(touch: true)
            #expect(claimed.services.map(\.ports) == proposed.services.map(\.ports) && claimed.services.map(\.secrets) == proposed.services.map(\.secrets))
            let moved = try session.reclaim(releasing: ["redis"], touch: true)
            #expect(moved.claimed)
            return claimed
        }
        #expect(again.services.map(\.ports) == first.services.map(\.ports) && again.services.map(\.secrets) == first.services.map(\.secrets))
    }

    /// A new stack: what `up` proposed (and showed) is what it claims: the proposal's passwords
    /// are the ones stored, and the proposed plan is the claimed one.
    @Test func aNewStackClaimsThePortsAndPasswordsItProposed() async throws {
        let w = try World()
        let project = try w.project()
        try StackSession.with(w.ctx(), project: project) { session in
            let proposed = try session.proposedPlan()
            #expect(!proposed.claimed, "nothing is reserved yet")
            let claimed = try session.claimedPlan(touch: true)
            #expect(claimed.claimed)
            #expect(claimed.services.map(\.ports) == proposed.services.map(\.ports))
            #expect(claimed.services.map(\.secrets) == proposed.services.map(\.secrets) && claimed.services.contains { !$0.secrets.isEmpty },
                    "the passwords stored are the ones proposed")
        }
        let later = try StackSession.with(w.ctx(), project: project) { try $0.proposedPlan() }
        #expect(later.claimed)
    }
}
