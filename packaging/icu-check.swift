// packaging/icu-check.sh compiles this twice, statically: with Foundation's full ICU data and with
// the copy packaging/icu-data.sh links into the release binary (no legacy character-set tables),
// runs both and compares what they print. Every line must match except the legacy encodings'.
// It covers what devenv uses ICU for (regular expressions, ISO 8601 and POSIX dates, time zones,
// case-insensitive comparison, String(format:)) and, beyond that, locales, collation, transforms.
import Foundation

func show(_ label: String, _ value: @autoclosure () throws -> Any?) {
    do { print(label + ": " + String(describing: try value() ?? "nil")) } catch { print(label + ": error \(error)") }
}
let t = Date(timeIntervalSince1970: 1_780_000_000.5)
// Regular expressions (ICU regex): what devenv's init, seed, pull rules and credentials recovery use.
let re = try! NSRegularExpression(pattern: "^([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*FastAPI\\(", options: .anchorsMatchLines)
let src = "x = 1\napp = FastAPI(title=\"t\")\n"
show("regex FastAPI", re.matches(in: src, range: NSRange(src.startIndex..., in: src)).map { (src as NSString).substring(with: $0.range(at: 1)) })
show("regex caseInsensitive", "User_EMAIL".range(of: "e-?mail", options: [.regularExpression, .caseInsensitive]) != nil)
show("regex unicode class", "Grüße, Ωmega 世界".range(of: "\\p{L}+$", options: .regularExpression).map { "Grüße, Ωmega 世界"[$0] })
show("regex \\b", try NSRegularExpression(pattern: "\\bdb\\b").numberOfMatches(in: "db mydb db_x db", range: NSRange(location: 0, length: 15)))
show("regex \\N{}", "é".range(of: "\\N{LATIN SMALL LETTER E WITH ACUTE}", options: .regularExpression) != nil)
show("regex lookahead", try NSRegularExpression(pattern: ":([0-9]{1,5})(?=[/?#]|$)").numberOfMatches(in: "postgres://h:5432/db", range: NSRange(location: 0, length: 20)))
show("regex template", try NSRegularExpression(pattern: "(^|[@])old($|[:])").stringByReplacingMatches(in: "u@old:1", range: NSRange(location: 0, length: 7), withTemplate: "$1new$2"))
show("regex escaped", NSRegularExpression.escapedPattern(for: "a.b*c"))
// Dates and time zones.
show("ISO8601DateFormatter", ISO8601DateFormatter().string(from: t))
let posix = DateFormatter(); posix.locale = Locale(identifier: "en_US_POSIX"); posix.timeZone = TimeZone(identifier: "UTC"); posix.dateFormat = "yyyyMMdd-HHmmss"
show("DateFormatter POSIX UTC", posix.string(from: t))
for z in ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"] {
    let f = DateFormatter(); f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: z); f.dateFormat = "yyyy-MM-dd HH:mm:ss zzz xxx"
    show("zone \(z)", f.string(from: t) + " dst=\(TimeZone(identifier: z)!.isDaylightSavingTime(for: t)) abbr=\(TimeZone(identifier: z)!.abbreviation(for: t) ?? "-")")
}
for l in ["en_US", "de_DE", "fr_FR", "ja_JP", "zh_Hans_CN", "ar_EG", "ru_RU"] {
    let f = DateFormatter(); f.locale = Locale(identifier: l); f.timeZone = TimeZone(identifier: "UTC"); f.dateStyle = .full; f.timeStyle = .long
    let n = NumberFormatter(); n.locale = Locale(identifier: l); n.numberStyle = .currency
    let d = NumberFormatter(); d.locale = Locale(identifier: l); d.numberStyle = .decimal
    show("locale \(l)", f.string(from: t) + " | " + (n.string(from: 1234567.891) ?? "-") + " | " + (d.string(from: 1234567.891) ?? "-") + " | " + (Locale(identifier: "en").localizedString(forIdentifier: l) ?? "-"))
}
show("formatted", t.formatted(.iso8601))
show("formatted date", t.formatted(Date.FormatStyle(date: .abbreviated, time: .shortened, locale: Locale(identifier: "en_US"), timeZone: TimeZone(identifier: "UTC")!)))
show("TimeZone.knownTimeZoneIdentifiers", TimeZone.knownTimeZoneIdentifiers.count)
show("Calendar", Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Asia/Tokyo")!, from: t).hour)
show("Calendar hebrew", Calendar(identifier: .hebrew).component(.year, from: t))
show("ByteCountFormatter", ByteCountFormatter.string(fromByteCount: 123_456_789, countStyle: .file))
// Numbers and String(format:).
show("String(format:)", String(format: "%.1f s; %@ %04X %.9f", 3.14159, "x", 255, t.timeIntervalSince1970))
// Case mapping, comparison, normalization, transforms, words.
show("caseInsensitiveCompare", ["straße".caseInsensitiveCompare("STRASSE").rawValue, "Ärger".caseInsensitiveCompare("ärger").rawValue])
show("case", ["ǅungla".lowercased(), "straße".uppercased(), "hello wORLD".capitalized, "ıi".uppercased(with: Locale(identifier: "tr")), "İI".lowercased(with: Locale(identifier: "tr"))])
show("localizedStandardCompare", ["file10", "File2", "file1", "Äpfel", "zebra"].sorted { $0.localizedStandardCompare($1) == .orderedAscending })
show("compare zh", ["张", "李", "王", "赵"].sorted { $0.compare($1, locale: Locale(identifier: "zh")) == .orderedAscending })
show("compare de", ["Zebra", "Äpfel", "Apfel", "Ölkanne"].sorted { $0.compare($1, locale: Locale(identifier: "de")) == .orderedAscending })
show("normalization", ["e\u{301}".precomposedStringWithCanonicalMapping.unicodeScalars.count, "ﬁ".decomposedStringWithCompatibilityMapping])
show("folding", "Crème Brûlée".folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil))
show("transform", ["ｱｲｳ".applyingTransform(.fullwidthToHalfwidth, reverse: true) ?? "-", "Москва".applyingTransform(.toLatin, reverse: false) ?? "-", "café".applyingTransform(.stripDiacritics, reverse: false) ?? "-"])
show("regex unicode words ja", try NSRegularExpression(pattern: "\\b\\w+\\b", options: .useUnicodeWordBoundaries).numberOfMatches(in: "日本語のテキストを単語に分けます。Hello world", range: NSRange(location: 0, length: 26)))
// Encodings (CoreFoundation's own converters for UTF-*, ASCII, Latin-1, Windows-1252, Mac Roman; ICU's tables for the rest).
// Lines starting "legacy" may differ: those encodings need the tables left out.
let bytes = Data([0x48, 0xE9, 0x80, 0x8A, 0x41])
let builtIn: [(String, String.Encoding)] = [("utf8", .utf8), ("ascii", .ascii), ("isoLatin1", .isoLatin1), ("windowsCP1252", .windowsCP1252),
                                            ("macOSRoman", .macOSRoman), ("utf16", .utf16), ("utf32", .utf32)]
let legacy: [(String, String.Encoding)] = [("isoLatin2", .isoLatin2), ("windowsCP1251", .windowsCP1251), ("shiftJIS", .shiftJIS),
                                           ("japaneseEUC", .japaneseEUC), ("iso2022JP", .iso2022JP)]
for (prefix, list) in [("", builtIn), ("legacy ", legacy)] {
    for (n, e) in list {
        show("\(prefix)decode \(n)", String(data: bytes, encoding: e).map { Array($0.unicodeScalars).map { String($0.value, radix: 16) } })
        show("\(prefix)encode \(n)", "Hé€".data(using: e).map { [UInt8]($0) })
    }
}
show("legacy availableStringEncodings", String.availableStringEncodings.count)
show("Locale.current", Locale.current.identifier)
show("JSON date", String(data: try! { let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601; return e }().encode([t]), encoding: .utf8))
