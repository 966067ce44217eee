import CurrentPlatform
import ArgumentParser
import DevenvKit
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Parses, runs, and maps every error to the documented exit codes (0 ok, 1 failure,
/// 2 usage or manifest, 3 port conflict, 4 engine unavailable). No stack traces.
@main
enum Entry {
    static func main() async {
        Machine.platform.ignoreBrokenPipe()   // a closed pipe (`devenv ls | head`) is an error to handle, not a signal
        let command: ParsableCommand
        do {
            command = try Devenv.parseAsRoot(LeadingGlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
        } catch {
            let code = Devenv.exitCode(for: error)
            if code == .success { Devenv.exit(withError: error) }
            FileHandle.standardError.write(Data((Devenv.fullMessage(for: error) + "\n").utf8))
            exit(DevenvCore.ExitCode.usage.rawValue)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand { try await asyncCommand.run() }
            else { var c = command; try c.run() }
            exit(0)
        } catch {
            exit(Reporter.report(error))
        }
    }
}

enum Reporter {
    static func report(_ error: Error) -> Int32 {
        let out = Output(environment: ProcessInfo.processInfo.environment)
        switch error {
        case let e as DevenvError:
            out.error(out.style("error:", .red) + " " + e.message)
            for d in e.details { out.error(d) }
            out.error(out.style("hint:", .yellow) + " " + e.shownHint)   // every error carries one
            return e.exitCode.rawValue
        case let e as ManifestError:
            return report(e.asDevenvError)
        case let e as CommandFailure:
            out.error(out.style("error:", .red) + " " + e.description)
            out.error(out.style("hint:", .yellow) + " " + DevenvError.fallbackHint(.failure))
            return DevenvCore.ExitCode.failure.rawValue
        case let e as ArgumentParser.ExitCode:
            return e.rawValue
        case is ValidationError, is CleanExit:
            let code = Devenv.exitCode(for: error)
            if code == .success { Devenv.exit(withError: error) }
            out.error(Devenv.fullMessage(for: error))
            return DevenvCore.ExitCode.usage.rawValue
        default:
            // `--help` parses into ArgumentParser's help command, whose run() throws a help request.
            if Devenv.exitCode(for: error) == .success { Devenv.exit(withError: error) }
            out.error(out.style("error:", .red) + " \(error)")
            out.error(out.style("hint:", .yellow) + " " + DevenvError.fallbackHint(.failure))
            return DevenvCore.ExitCode.failure.rawValue
        }
    }
}
