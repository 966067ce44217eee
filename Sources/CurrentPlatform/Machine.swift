@_exported import DevenvPlatform
#if os(Linux)
import LinuxPlatform
#elseif os(macOS)
import MacOSPlatform
#endif

/// This machine: the one place that picks the platform devenv runs on.
public enum Machine {
    public static let platform: any Platform = {
        #if os(Linux)
        LinuxHost()
        #elseif os(macOS)
        MacOSHost()
        #endif
    }()
}
