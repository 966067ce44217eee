import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
public enum DevenvKitVersion { public static let current = "0.1.0" }
