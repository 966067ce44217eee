import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Render's public API for a service's config, as `curl` commands and page parsers.
///
/// From Render's API reference (and render-oss/cli pkg/client, generated from it):
/// - `GET /v1/services/{serviceId}/env-vars?limit=100&cursor=C` → `[{"envVar": {"key", "value"},
///   "cursor"}]`. Cursor pagination: the next page starts after the last entry's cursor; a page
///   shorter than `limit` (or empty) is the last (render-oss/cli pkg/client/client.go `ListAll`).
/// - `GET /v1/env-groups?limit=100` → `[{"id", "name", "serviceLinks": [{"id", …}], …}]`: the
///   groups linked to the service are those whose `serviceLinks` name it.
/// - `GET /v1/env-groups/{envGroupId}` → `{"id", "name", "envVars": [{"key", "value"}], …}`.
/// A service's own variable wins over a linked group's of the same name.
///
/// The key never reaches an argv: the shell's built-in `printf` feeds the header to
/// `curl -H @-` on a pipe, from `$RENDER_API_KEY` in the environment.
public enum RenderAPI {
    public static let base = "https://api.render.com/v1"
    public static let pageSize = 100
    static let script = #"printf 'Authorization: Bearer %s\n' "$RENDER_API_KEY" | curl -fsS -H @- -H 'Accept: application/json' "$@""#

    /// One GET request; `extraArgs` (the preset's `args:`) go to curl before the URL.
    public static func request(_ url: String, extraArgs: [String] = []) -> PresetInvocation {
        PresetInvocation(argv: ["sh", "-c", script, "render-api"] + extraArgs + [url], outputFile: nil)
    }

    public static func serviceEnvVars(_ service: String, cursor: String?) -> String {
        "\(base)/services/\(component(service))/env-vars?limit=\(pageSize)" + (cursor.map { "&cursor=\(component($0))" } ?? "")
    }

    public static func envGroups(cursor: String?) -> String {
        "\(base)/env-groups?limit=\(pageSize)" + (cursor.map { "&cursor=\(component($0))" } ?? "")
    }

    public static func envGroup(_ id: String) -> String { "\(base)/env-groups/\(component(id))" }

    static func component(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// A page of the service's env-vars.
    public static func envVarsPage(_ text: String) throws -> (vars: [StagingVar], next: String?) {
        guard case .array(let entries) = try StagingParse.json(text) else {
            throw StagingParse.Failure(reason: "expected a JSON list of {\"envVar\", \"cursor\"}")
        }
        var vars: [StagingVar] = []
        var last: String?
        for (i, entry) in entries.enumerated() {
            guard case .object(let o) = entry else { throw StagingParse.Failure(reason: "entry \(i + 1) is not an object") }
            if case .string(let c)? = o["cursor"] { last = c } else { last = nil }
            let inner: [String: StagingParse.JSON]
            if case .object(let e)? = o["envVar"] { inner = e } else { inner = o }
            vars.append(try envVar(inner, i))
        }
        return (vars, entries.count < pageSize ? nil : last)
    }

    /// The ids of the groups linked to `service` on a page of `GET /env-groups`, and the next
    /// cursor when the entries carry one (the documented `{"cursor", "envGroup"}` envelope).
    public static func linkedGroups(_ text: String, service: String) throws -> (ids: [String], next: String?) {
        guard case .array(let entries) = try StagingParse.json(text) else {
            throw StagingParse.Failure(reason: "expected a JSON list of environment groups")
        }
        var ids: [String] = []
        var last: String?
        for (i, entry) in entries.enumerated() {
            guard case .object(var o) = entry else { throw StagingParse.Failure(reason: "env group \(i + 1) is not an object") }
            if case .string(let c)? = o["cursor"] { last = c } else { last = nil }
            if case .object(let inner)? = o["envGroup"] { o = inner }
            guard case .string(let id)? = o["id"] else { throw StagingParse.Failure(reason: "env group \(i + 1) has no \"id\"") }
            guard case .array(let links)? = o["serviceLinks"] else { continue }
            if links.contains(where: { if case .object(let l) = $0, case .string(service)? = l["id"] { return true }; return false }) {
                ids.append(id)
            }
        }
        return (ids, entries.count < pageSize ? nil : last)
    }

    /// A group's variables (`GET /env-groups/{id}`).
    public static func groupVars(_ text: String) throws -> [StagingVar] {
        guard case .object(let group) = try StagingParse.json(text), case .array(let vars)? = group["envVars"] else {
            throw StagingParse.Failure(reason: "expected an environment group with \"envVars\"")
        }
        return try vars.enumerated().map { i, v in
            guard case .object(let o) = v else { throw StagingParse.Failure(reason: "env group variable \(i + 1) is not an object") }
            return try envVar(o, i)
        }
    }

    static func envVar(_ o: [String: StagingParse.JSON], _ i: Int) throws -> StagingVar {
        guard case .string(let key)? = o["key"], !key.isEmpty else { throw StagingParse.Failure(reason: "entry \(i + 1) has no \"key\"") }
        guard let value = o["value"] else { throw StagingParse.Failure(reason: "entry '\(key)' has no \"value\"") }
        return StagingVar(name: key, value: try StagingParse.text(value, key: key))
    }
}
