public enum DevenvKitVersion { public static let current = "0.1.0" }
