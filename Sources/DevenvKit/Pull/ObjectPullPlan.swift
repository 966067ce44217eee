import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec

/// A pull of objects as values: where from, which keys (prefix filters, size limits), and the
/// AWS CLI commands that list the source and copy each object. Pure but for nothing: the
/// commands are run by `ObjectPull`.
public struct ObjectPullPlan: Sendable, Equatable {
    public struct Object: Sendable, Equatable, Codable {
        public var key: String
        public var size: Int64
        public init(key: String, size: Int64) { self.key = key; self.size = size }
    }

    /// `s3://bucket/prefix`, a bare bucket name, or `bucket/prefix`: the staging bucket and the
    /// prefix every key read starts with.
    public static func location(_ text: String) -> (bucket: String, prefix: String)? {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("s3://") { t = String(t.dropFirst(5)) }
        let parts = t.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let bucket = parts.first, bucket.range(of: "^[a-zA-Z0-9][a-zA-Z0-9._-]{1,254}$", options: .regularExpression) != nil else { return nil }
        return (bucket, parts.count > 1 ? parts[1] : "")
    }

    /// The prefixes listed: each of `prefixes:` under the source's own prefix, or that prefix
    /// alone; a prefix inside another listed one is not listed twice.
    public static func prefixes(base: String, _ filters: [String]) -> [String] {
        let all = filters.isEmpty ? [base] : filters.map { base + $0 }
        let sorted = Array(Set(all)).sorted()
        return sorted.filter { p in !sorted.contains { $0 != p && p.hasPrefix($0) } }
    }

    /// `aws s3api list-objects-v2` (the CLI reads every page) of one prefix, as JSON.
    public static func list(bucket: String, prefix: String) -> Command {
        Command("aws", ["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, "--output", "json"])
    }

    /// The objects of `list`'s output (`{"Contents": [{"Key", "Size"}, …]}`; nothing when empty).
    public static func parseListing(_ text: String) throws -> [Object] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        guard let top = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
            throw DevenvError("the bucket's listing is not the JSON the AWS CLI prints")
        }
        return (top["Contents"] as? [[String: Any]] ?? []).compactMap { o in
            guard let key = o["Key"] as? String else { return nil }
            return Object(key: key, size: (o["Size"] as? NSNumber)?.int64Value ?? 0)
        }
    }

    /// What is copied, in key order: no folder markers (`dir/`) nor keys holding a line break;
    /// no object over `max_object_size`; then the first keys whose sizes add up to no more than
    /// `max_size`. `left` counts what was listed and not taken.
    public static func select(_ listed: [Object], _ spec: PullObjects) -> (objects: [Object], left: Int) {
        var seen = Set<String>(), out: [Object] = [], total: Int64 = 0
        for o in listed.sorted(by: { $0.key < $1.key }) where seen.insert(o.key).inserted {
            if o.key.hasSuffix("/") || o.key.contains("\n") || o.key.contains("\r") { continue }
            if let max = spec.maxObjectSize, o.size > max { continue }
            if let max = spec.maxSize, total + o.size > max { break }
            total += o.size
            out.append(o)
        }
        return (out, seen.count - out.count)
    }

    /// Where the local service is reached from this machine.
    public struct Local: Sendable, Equatable {
        public var endpoint: String, accessKey: String, secretKey: String, region: String, bucket: String
        public init(endpoint: String, accessKey: String, secretKey: String, region: String, bucket: String) {
            self.endpoint = endpoint; self.accessKey = accessKey; self.secretKey = secretKey; self.region = region; self.bucket = bucket
        }
    }

    /// Copies every key of the file `$3` (one a line) from `s3://$1/KEY` to `s3://$2/KEY` on the
    /// local service: each object streams from one AWS CLI (your credentials and endpoint) into
    /// another (the local keys, given by name in the environment, and the local endpoint), so
    /// nothing is held in memory nor written to disk. Makes the local bucket when it is missing.
    /// Prints `devenv-object BYTES KEY` as each object is done.
    public static func copy(source bucket: String, local: Local, keys file: String, sizes: String) -> Command {
        let script = """
            set -u
            dst() { env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 \
            AWS_ACCESS_KEY_ID="$DEVENV_DST_KEY" AWS_SECRET_ACCESS_KEY="$DEVENV_DST_SECRET" AWS_DEFAULT_REGION="$DEVENV_DST_REGION" \
            AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null aws --endpoint-url "$DEVENV_DST_ENDPOINT" "$@"; }
            rc=$(mktemp) || exit 1
            trap 'rm -f "$rc"' EXIT
            dst s3api head-bucket --bucket "$2" > /dev/null 2>&1 || dst s3 mb "s3://$2" > /dev/null || exit 1
            exec 4< "$4"
            while IFS= read -r key; do
              IFS= read -r size <&4
              { aws s3 cp --only-show-errors "s3://$1/$key" -; echo $? > "$rc"; } \
                | dst s3 cp --only-show-errors --expected-size "$size" - "s3://$2/$key" || exit 1
              r=$(cat "$rc"); [ "$r" = 0 ] || exit "$r"
              echo "devenv-object $size $key"
            done < "$3"
            """
        return Command("sh", ["-c", script, "devenv-pull", bucket, local.bucket, file, sizes],
                       environment: ["DEVENV_DST_KEY": local.accessKey, "DEVENV_DST_SECRET": local.secretKey,
                                     "DEVENV_DST_REGION": local.region, "DEVENV_DST_ENDPOINT": local.endpoint])
    }
}
