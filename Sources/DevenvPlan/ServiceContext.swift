import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

/// The Mustache context a service's kind renders against (templates/README.md, "The context
/// templates render against"): base keys, ports, secrets, settings (devenv.yml's or the kind's
/// defaults), then the kind's values in order.
public enum ServiceContext {
    public struct Built {
        public var context: [String: Any]
        /// The kind's values in template order (or a generic image's host/port/url).
        public var values: [(key: String, value: String)]
    }

    /// `ports` and `secrets` may be empty (validation, before anything is claimed): values that
    /// use them then render with empty parts, which only validation-time defaults may see.
    public static func build(_ s: ServiceSpec, kind: ServiceKind?, identity: StackIdentity, image: String,
                             ports: [PlannedPort], secrets: [String: String]) throws -> Built {
        var ctx: [String: Any] = [
            "name": s.name, "project": identity.project, "stack": identity.stack,
            "project_identifier": identifier(identity.project),
            "image": image, "version": s.version ?? kind?.version ?? "",
            "secret": secrets,
            "ports": Dictionary(uniqueKeysWithValues: ports.map { ($0.name, String($0.host)) }),
            "container": Dictionary(uniqueKeysWithValues: ports.map { ($0.name, String($0.container)) }),
        ]
        guard let kind else {
            let values = (ports.first { $0.proto == "tcp" } ?? ports.first).map { [("host", "127.0.0.1"), ("port", String($0.host)), ("url", "http://127.0.0.1:\($0.host)")] } ?? []
            for (k, v) in values { ctx[k] = v }
            return Built(context: ctx, values: values)
        }
        let base = ctx
        for setting in kind.settings {
            if let v = s.settings[setting.name] { ctx[setting.name] = v.templateValue }
            else if let d = setting.defaultValue { ctx[setting.name] = try renderDefault(d, base, templates: kind.templates).templateValue }
            else { ctx[setting.name] = empty(setting.type) }
        }
        var values: [(String, String)] = []
        for entry in kind.values {
            let v = try kind.render(entry.template, ctx)
            ctx[entry.key] = v
            values.append((entry.key, v))
        }
        return Built(context: ctx, values: values)
    }

    /// `my-app` → `my_app`: a project name usable as a database or identifier.
    public static func identifier(_ project: String) -> String {
        StackIdentity.slug(project, maxLength: 63).replacingOccurrences(of: "-", with: "_")
    }

    package static func renderDefault(_ value: SettingValue, _ ctx: [String: Any], templates: CompiledTemplates) throws -> SettingValue {
        switch value {
        case .string(let s): return .string(try templates.render(s, ctx))
        case .list(let l): return .list(try l.map { try templates.render($0, ctx) })
        case .int, .bool: return value
        }
    }

    package static func empty(_ type: KindSetting.ValueType) -> Any {
        switch type {
        case .string, .int: return ""
        case .bool: return false
        case .list: return [String]()
        }
    }
}
