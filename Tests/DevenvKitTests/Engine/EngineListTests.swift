import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine

/// The Engine API's container and volume lists, read without `JSONDecoder` (`JSON.read`),
/// from bodies a Docker 20.10 engine sent (trimmed).
@Suite("Engine lists read as the API writes them")
struct EngineListTests {
    @Test func containersKeepEveryFieldDevenvReads() throws {
        let body = #"""
        [{"Id":"09123e2c","Names":["/abnew-redis-1"],"Image":"devenv-testbed/redis:7","Command":"sh -c 'exec x <<EOF\nrequirepass $P\nEOF\n'",
          "Created":1796691435,"Ports":[{"IP":"127.0.0.1","PrivatePort":6379,"PublicPort":21601,"Type":"tcp"},{"PrivatePort":16379,"Type":"tcp"}],
          "Labels":{"com.docker.compose.service":"redis","dev.devenv.root":"/tmp/caf\u00e9 \u003cx\u003e"},"State":"running","Status":"Up 19 minutes (healthy)",
          "HostConfig":{"NetworkMode":"abnew_default"},"Mounts":[]},
         {"Id":"77aa","Names":null,"Image":"x","Labels":null,"State":"exited","Status":"Exited (137) 2 seconds ago","Ports":[]}]
        """#
        let list = try ContainerInfo.list(Data(body.utf8))
        #expect(list.count == 2)
        let redis = list[0]
        #expect(redis.id == "09123e2c" && redis.names == ["/abnew-redis-1"] && redis.image == "devenv-testbed/redis:7")
        #expect(redis.state == .running && redis.health == "ready" && redis.service == "redis")
        #expect(redis.labels["dev.devenv.root"] == "/tmp/café <x>")
        #expect(redis.ports.map(\.privatePort) == [6379, 16379] && redis.ports[0].publicPort == 21601 && redis.ports[0].ip == "127.0.0.1")
        #expect(redis.ports[1].publicPort == nil && redis.ports[1].ip == nil)
        #expect(list[1].names.isEmpty && list[1].labels.isEmpty && list[1].state == ContainerState(engineWord: "exited"))
        // The same through Decodable (tests build containers that way).
        let decoded = try JSONDecoder().decode([ContainerInfo].self, from: Data(body.utf8))
        #expect(decoded.map(\.id) == list.map(\.id) && decoded[0].labels == redis.labels)
    }

    @Test func volumesAndWhatIsNotAList() throws {
        let body = #"{"Volumes":[{"CreatedAt":"2026-12-08T00:57:16Z","Driver":"local","Labels":{"dev.devenv.stack":"abnew"},"Name":"abnew_redis-data","Options":null},{"Name":"bare","Labels":null}],"Warnings":null}"#
        let volumes = try VolumeInfo.list(Data(body.utf8))
        #expect(volumes.map(\.name) == ["abnew_redis-data", "bare"])
        #expect(volumes[0].labels == ["dev.devenv.stack": "abnew"] && volumes[0].createdAt == "2026-12-08T00:57:16Z" && volumes[1].createdAt == nil)
        #expect(try VolumeInfo.list(Data(#"{"Volumes":null}"#.utf8)).isEmpty)
        #expect(throws: DevenvError.self) { try VolumeInfo.list(Data("<html>proxy error</html>".utf8)) }
        #expect(throws: DevenvError.self) { try ContainerInfo.list(Data(#"{"message":"page not found"}"#.utf8)) }
        #expect(throws: DevenvError.self) { try ContainerInfo.list(Data(#"[{"Names":["/x"]}]"#.utf8)) }
    }
}
