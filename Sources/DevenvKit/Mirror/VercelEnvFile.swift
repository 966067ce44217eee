import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The file `vercel env pull` writes, read the way Vercel writes it — not as dotenv.
///
/// vercel/vercel packages/cli/src/commands/env/pull.ts (`envPullCommandLogic`, `escapeValue`):
/// a `# Created by Vercel CLI` line, then one `KEY="value"` line per variable, keys sorted.
/// Only newlines and carriage returns are escaped (as `\n`, `\r`); `"`, `\` and `$` are written
/// raw. So the value is everything between the first `"` after `=` and the line's last `"`,
/// with `\n` and `\r` turned back into the characters (as Vercel's own readers, and Next.js,
/// read them: a value that held a literal backslash-n cannot be told apart in this format).
///
/// Sensitive variables come back as `[SENSITIVE]` (`SENSITIVE_PLACEHOLDER`); CLIs before that
/// placeholder wrote them as `""`. Both are names without values, like Fly's secrets: a
/// `[SENSITIVE]` value always, an empty value when the name says it is a secret or a
/// connection string (`DATABASE_URL`, `STRIPE_SECRET_KEY`); any other empty value is empty.
public enum VercelEnvFile {
    public static let sensitivePlaceholder = "[SENSITIVE]"

    public static func parse(_ text: String) throws -> [StagingVar] {
        var vars: [StagingVar] = []
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.first == "#" { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw StagingParse.Failure(reason: "line \(lineNumber) is not KEY=\"value\"")
            }
            let name = String(line[..<eq])
            guard !name.isEmpty, !name.contains(where: { $0 == " " }) else { throw StagingParse.Failure(reason: "line \(lineNumber) has no variable name") }
            let rest = line[line.index(after: eq)...]
            let body: Substring
            if rest.first == "\"" {
                guard rest.count >= 2, rest.last == "\"" else {
                    throw StagingParse.Failure(reason: "line \(lineNumber) (\(name)): the value has no closing quote")
                }
                body = rest.dropFirst().dropLast()
            } else {
                body = rest
            }
            vars.append(variable(name, unescaped(body)))
        }
        return StagingParse.dedupe(vars)
    }

    static func variable(_ name: String, _ value: String) -> StagingVar {
        if value == sensitivePlaceholder { return StagingVar(name: name, value: nil, markedSecret: true) }
        if value.isEmpty, SecretRules.secretWord(in: name) != nil || InfraMapping.isConnectionName(name) {
            return StagingVar(name: name, value: nil, markedSecret: true)
        }
        return StagingVar(name: name, value: value)
    }

    /// `\n` → newline, `\r` → carriage return; every other character as written.
    static func unescaped(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            let next = s.index(after: i)
            if c == "\\", next < s.endIndex, s[next] == "n" || s[next] == "r" {
                out.append(s[next] == "n" ? "\n" : "\r")
                i = s.index(after: next)
            } else {
                out.append(c)
                i = next
            }
        }
        return out
    }
}
