import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("directory")], help: ArgumentHelp("Run as if devenv was started in DIR.", valueName: "DIR"))
    var directory: String?

    @Option(name: [.customShort("c"), .customLong("context")],
            help: ArgumentHelp("The docker context to use, as `docker --context` (default: DOCKER_HOST, DOCKER_CONTEXT, then the current context).", valueName: "NAME"))
    var dockerContext: String?

    func context() -> DevenvContext { DevenvContext.live(dockerContext: dockerContext, directory: directory) }
}
