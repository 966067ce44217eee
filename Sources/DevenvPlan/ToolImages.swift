import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

extension ServiceKind {
    /// The kind with its setup and seed tool images passed through the machine's image map, as
    /// the service's own image is (a corporate mirror, an air-gapped machine's stand-in).
    package func mappingToolImages(_ map: ImageMap) -> ServiceKind {
        var kind = self
        for i in kind.setup.indices {
            if let image = kind.setup[i].tool?.image { kind.setup[i].tool?.image = map.resolve(image) }
        }
        if let image = kind.seed?.tool?.image { kind.seed?.tool?.image = map.resolve(image) }
        return kind
    }
}
