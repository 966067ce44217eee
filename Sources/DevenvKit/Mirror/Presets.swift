import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The presets, one row each: settings, command line, output shape, the platform's own keys.
///
/// A Swift table rather than a data file under `templates/`: every output shape needs a parser
/// written in Swift anyway (a preset cannot be added without code), the compiler checks the
/// table, and the binary never has to find or validate a file to run a preset. Changing a
/// preset's flags or key prefixes is still editing one row here.
///
/// Each row follows the provider's own source (the commits read are in the README section
/// "Mirroring staging"); the fixture tests name the file and function each format comes from.
extension PresetSpec {
    public static let table: [StagingPreset: PresetSpec] = [
        // packages/cli/src/commands/env/pull.ts (envPullCommandLogic): KEY="value" lines, keys
        // sorted, only \n and \r escaped, sensitive values as [SENSITIVE] (older CLIs: "").
        .vercel: PresetSpec(
            argv: ["vercel", "env", "pull", .outputFile, .assign("--environment=", "environment"), "--yes",
                   .assign("--git-branch=", "branch"), .option("--scope", "scope"), .option("--project", "project")],
            output: .vercelFile,
            platformPrefixes: ["VERCEL_", "TURBO_"], platformNames: ["VERCEL", "NX_DAEMON"],
            install: "Install the Vercel CLI (npm i -g vercel), then `vercel login` and `vercel link`."),
        // src/commands/variable.rs (list_variables): `--json` prints the BTreeMap of
        // variablesForServiceDeployment pretty-printed, `{}` when there are none.
        .railway: PresetSpec(
            argv: ["railway", "variables", "--json", "--environment", .value("environment"), .option("--service", "service")],
            output: .jsonObject,
            platformPrefixes: ["RAILWAY_"],
            install: "Install the Railway CLI (npm i -g @railway/cli), then `railway login` and `railway link`."),
        // internal/command/secrets/list.go (runList): [{"name","digest","status"}] (without
        // "status" when deployment status is unknown); values are never shown. Plain config is
        // fly.toml's [env] (internal/appconfig/config.go, patches.go _patchEnv).
        .fly: PresetSpec(
            argv: ["fly", "secrets", "list", "--json", .option("-a", "app"), .option("--config", "config")],
            output: .flySecrets,
            alsoReads: ProjectFile(setting: "config", defaultPath: "fly.toml", shape: .flyTomlEnv),
            platformPrefixes: ["FLY_"],
            install: "Install flyctl (https://fly.io/docs/flyctl/install/), then `fly auth login`."),
        // pkg/cmd/secrets.go (downloadSecrets): `--no-file` prints the JSON object; without
        // `--no-fallback` it writes an encrypted copy to ~/.doppler/fallback and, on a network or
        // 5xx error, serves that copy and exits 0.
        .doppler: PresetSpec(
            argv: ["doppler", "secrets", "download", "--no-file", "--format", "json", "--no-fallback",
                   .option("--project", "project"), "--config", .value("config")],
            output: .jsonObject,
            platformPrefixes: ["DOPPLER_"],
            install: "Install the Doppler CLI (https://docs.doppler.com/docs/install-cli), then `doppler login`."),
        // src/commands/config/index.ts (ConfigIndex.run): `--json` prints the config-vars object.
        .heroku: PresetSpec(
            argv: ["heroku", "config", "--json", .option("-a", "app")],
            output: .jsonObject,
            platformPrefixes: ["HEROKU_"],
            install: "Install the Heroku CLI (npm i -g heroku), then `heroku login`."),
        // Render's public API (GET /v1/services/{id}/env-vars, GET /v1/env-groups,
        // GET /v1/env-groups/{id}): see RenderAPI.swift. curl reads the key from $RENDER_API_KEY.
        .render: PresetSpec(
            argv: [],
            output: .renderEnvVars,
            platformPrefixes: ["RENDER_"], platformNames: ["RENDER", "IS_PULL_REQUEST"],
            install: "Install curl and export RENDER_API_KEY (Render dashboard → Account settings → API keys)."),
        // aws-cli: botocore data ssm/2014-11-06 (GetParametersByPath; paginators-1.json merges
        // every page's "Parameters" unless --no-paginate / --max-items, which leave "NextToken").
        .awsSSM: PresetSpec(
            argv: ["aws", "ssm", "get-parameters-by-path", "--path", .value("path"), "--with-decryption", "--recursive",
                   "--output", "json", .option("--region", "region"), .option("--profile", "profile"),
                   .option("--endpoint-url", "endpoint")],
            output: .ssmParameters,
            environment: ["AWS_PAGER": ""],
            install: "Install the AWS CLI and sign in (`aws configure` or `aws sso login`)."),
        // aws-cli: botocore data secretsmanager/2017-10-17 (GetSecretValue): "SecretString"
        // holds the secret; devenv reads a JSON object of keys from it.
        .awsSecretsManager: PresetSpec(
            argv: ["aws", "secretsmanager", "get-secret-value", "--secret-id", .value("secret"), "--output", "json",
                   .option("--region", "region"), .option("--profile", "profile"), .option("--endpoint-url", "endpoint")],
            output: .secretsManagerSecret,
            environment: ["AWS_PAGER": ""],
            install: "Install the AWS CLI and sign in (`aws configure` or `aws sso login`)."),
        // packages/cmd/export.go (formatAsJson): json.Marshal of the secrets, `null` when there
        // are none; personal overrides are included unless --secret-overriding=false. Logged in
        // without a connection it serves its backup (util/secrets.go GetAllEnvironmentVariables).
        .infisical: PresetSpec(
            argv: ["infisical", "export", "--format=json", .assign("--env=", "environment"), "--secret-overriding=false",
                   .assign("--projectId=", "project"), .assign("--path=", "path")],
            output: .infisicalList,
            staleWarnings: ["serving secrets from last successful fetch"],
            install: "Install the Infisical CLI (https://infisical.com/docs/cli/overview), then `infisical login`."),
    ]
}
