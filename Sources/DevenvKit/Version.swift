import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform
public enum DevenvKitVersion { public static let current = "0.1.0" }
