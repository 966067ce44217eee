import Testing
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit

@Suite("Ports: docker-proxy command lines")
struct DockerProxyTests {
    @Test func classicCommandLine() {
        let line = "/usr/bin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 17001 -container-ip 172.18.0.2 -container-port 5432"
        #expect(DockerProxy.target(commandLine: line) == DockerProxyTarget(
            proto: "tcp", hostIP: "127.0.0.1", hostPort: 17001, containerIP: "172.18.0.2", containerPort: 5432))
    }

    @Test func newerProxyWithListenFdAndIPv6() {
        let line = "/usr/libexec/docker/docker-proxy -proto tcp -host-ip :: -host-port 8080 -container-ip fd00:dead:beef::2 -container-port 80 -use-listen-fd"
        #expect(DockerProxy.target(commandLine: line) == DockerProxyTarget(
            proto: "tcp", hostIP: "::", hostPort: 8080, containerIP: "fd00:dead:beef::2", containerPort: 80))
    }

    @Test func goFlagSpellings() {
        let argv = ["docker-proxy", "--proto=tcp", "-use-listen-fd", "--host-port", "6379",
                    "-container-ip=10.0.0.5", "--container-port=6379"]
        #expect(DockerProxy.target(arguments: argv) == DockerProxyTarget(
            proto: "tcp", hostIP: nil, hostPort: 6379, containerIP: "10.0.0.5", containerPort: 6379))
    }

    @Test func otherProgramsAndIncompleteLinesAreNotProxies() {
        #expect(DockerProxy.target(commandLine: "python3 -m http.server -container-ip 1.2.3.4 -container-port 80") == nil)
        #expect(DockerProxy.target(commandLine: "/usr/bin/docker-proxy -proto tcp -host-port 80 -container-ip 172.17.0.2") == nil)
        #expect(DockerProxy.target(commandLine: "/usr/bin/docker-proxy -container-ip 172.17.0.2 -container-port 99999") == nil)
        #expect(DockerProxy.target(commandLine: "") == nil)
        #expect(!DockerProxy.isDockerProxy(PortHolder(pid: 1, command: "/usr/bin/dockerd -H fd://")))
        #expect(!DockerProxy.isDockerProxy(nil))
    }

    @Test func targetOfHolder() {
        let holder = PortHolder(pid: 4242, command: "/usr/bin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 17002 -container-ip 172.18.0.3 -container-port 6379",
                                user: "root", uid: 0)
        #expect(DockerProxy.isDockerProxy(holder))
        #expect(holder.executableName == "docker-proxy")
        #expect(DockerProxy.target(of: holder)?.containerIP == "172.18.0.3")
        #expect(DockerProxy.target(of: holder)?.containerPort == 6379)
        #expect(DockerProxy.target(of: PortHolder(uid: 0)) == nil)
    }
}
