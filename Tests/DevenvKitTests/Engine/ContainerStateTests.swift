import Foundation
import Testing
@testable import DevenvEngine
@testable import DevenvKit

/// The engine's container state, typed: decoded from the Engine API's words (a list's
/// `State`, an inspect's `State.Status`), and mapped to the machine interface's
/// `running|stopped|missing`.
@Suite struct ContainerStateTests {
    static let words: [(String, ContainerState)] = [
        ("created", .created), ("running", .running), ("paused", .paused), ("restarting", .restarting),
        ("removing", .removing), ("exited", .exited), ("dead", .dead),
    ]

    static func listed(_ state: String?) throws -> ContainerInfo {
        let field = state.map { ",\"State\":\"\($0)\"" } ?? ""
        let json = "[{\"Id\":\"c1\",\"Names\":[\"/shop-postgres-1\"],\"Status\":\"Up 2 seconds\"\(field)}]"
        return try #require(try JSONDecoder().decode([ContainerInfo].self, from: Data(json.utf8)).first)
    }

    static func inspected(_ status: String?) throws -> ContainerDetails {
        let state = status.map { "{\"Status\":\"\($0)\",\"Running\":false,\"ExitCode\":0}" } ?? "{}"
        return try #require(ContainerDetails.parse(Data("{\"Id\":\"c1\",\"Name\":\"/shop-postgres-1\",\"State\":\(state)}".utf8)))
    }

    @Test func everyEngineWordDecodesFromAContainerList() throws {
        for (word, state) in Self.words {
            #expect(try Self.listed(word).state == state, "\(word)")
            #expect(state.engineWord == word && state.description == word)
        }
        #expect(ContainerState.known == Self.words.map(\.1), "known lists every documented state once")
    }

    @Test func everyEngineWordDecodesFromAnInspect() throws {
        for (word, state) in Self.words { #expect(try Self.inspected(word).state == state, "\(word)") }
    }

    @Test func anUnknownWordIsKeptNotFatal() throws {
        #expect(try Self.listed("hibernating").state == .other("hibernating"))
        #expect(try Self.inspected("hibernating").state == .other("hibernating"))
        #expect(ContainerState(engineWord: "hibernating").description == "hibernating")
        #expect(ContainerState(engineWord: "Running") == .running, "the engine's words are matched whatever their case")
        #expect(ContainerState(engineWord: "Frozen").engineWord == "Frozen", "an unknown word is kept as written")
    }

    @Test func anAbsentStateIsUnknown() throws {
        #expect(try Self.listed(nil).state == .other(""))
        #expect(try Self.inspected(nil).state == .other(""))
        #expect(ContainerState.other("").description == "unknown")
    }

    @Test func encodesAsTheEngineWord() throws {
        let states = Self.words.map(\.1) + [.other("hibernating")]
        let data = try JSONEncoder().encode(states)
        #expect(String(decoding: data, as: UTF8.self) == "[\"created\",\"running\",\"paused\",\"restarting\",\"removing\",\"exited\",\"dead\",\"hibernating\"]")
        #expect(try JSONDecoder().decode([ContainerState].self, from: data) == states)
    }

    @Test func hasEndedOnlyWhenExitedOrDead() {
        #expect(ContainerState.known.filter(\.hasEnded) == [.exited, .dead])
        #expect(!ContainerState.other("hibernating").hasEnded)
    }

    @Test func statusStateIsRunningStoppedOrMissing() throws {
        let expected: [ContainerState?: RunState] = [
            .running: .running, .restarting: .running,
            .created: .stopped, .paused: .stopped, .removing: .stopped, .exited: .stopped, .dead: .stopped,
            .other("hibernating"): .stopped, .other(""): .stopped,
            nil: .missing,
        ]
        for (state, run) in expected {
            #expect(RunState(state) == run, "\(String(describing: state))")
            if let state { #expect(state.runState == run) }
        }
        for (word, state) in Self.words { #expect(try Self.listed(word).runState == state.runState) }
        #expect(RunState.allCases.map(\.rawValue) == ["running", "stopped", "missing"], "DESIGN's machine words")
        #expect(String(decoding: try JSONEncoder().encode(RunState.allCases), as: UTF8.self) == "[\"running\",\"stopped\",\"missing\"]")
    }

    @Test func theSupervisorReadsTheTypedState() {
        func condition(_ s: ContainerState) -> ServiceWatch.Condition {
            ServiceWatch.condition(ServiceObservation(container: .init(id: "c1", state: s, exitCode: 3)))
        }
        #expect(condition(.running) == .ready)
        #expect(condition(.paused) == .unanswered("paused"))
        #expect(condition(.restarting) == .engineRestarting)
        #expect(condition(.created) == .stopped("was created but not started"))
        for s in [ContainerState.exited, .dead, .removing, .other("hibernating")] {
            if case .stopped = condition(s) {} else { Issue.record("\(s) is a stop") }
        }
    }
}
