import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `Dotenv.removing`: a key's assignment goes with its line; every other byte stays.
@Suite("Dotenv: removing keys")
struct DotenvRemoveTests {
    @Test func removesWholeLinesAndKeepsEverythingElse() throws {
        let text = "\u{FEFF}# mine\nA=1\nexport OLD='x' # note\r\nB=\"multi\nline\"\nGONE=\"two\nlines\"\nC=3"
        let (out, removed) = try Dotenv.removing(["OLD", "GONE", "MISSING"], from: text)
        #expect(out == "\u{FEFF}# mine\nA=1\nB=\"multi\nline\"\nC=3")
        #expect(removed == ["OLD", "GONE"])
    }

    @Test func everyAssignmentOfAKeyGoesAndTheLastLineNeedsNoNewline() throws {
        let (out, removed) = try Dotenv.removing(["X"], from: "X=1\nY=2\nX=3")
        #expect(out == "Y=2\n" && removed == ["X"])
        #expect(try Dotenv.removing(["Y"], from: "Y=2").text == "")
    }

    @Test func aKeySharingItsLineWithAnotherStaysPut() throws {
        let text = "A=\"x\" B=1\nC=2\n"
        let (out, removed) = try Dotenv.removing(["A"], from: text)
        #expect(out == text && removed.isEmpty)
        #expect(try Dotenv.removing(["A", "B"], from: text).text == "C=2\n", "both of the line's keys: the line goes")
    }
}
