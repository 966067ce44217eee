import Foundation
import DevenvCore

extension ServiceSpec {
    /// The longest service name: a DNS label (compose makes it the service's host name on the
    /// stack's network), and short enough that every name built from it stays within Docker's
    /// and the file system's limits — the container `<stack>-<service>-1`, the data volume
    /// `<stack>_<service>-data` and a snapshot `<stack>--snap--<snapshot>--<service>`
    /// (63 + 8 + 64 + 2 + 63 = 200 bytes, under the 255 a volume's folder may have).
    public static let maxNameLength = 63
}
