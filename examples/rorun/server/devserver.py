# Stands in for Rorun's NestJS API (`npm run start:dev`): it reads the values devenv put in its
# environment and reaches each service with them, as the API does at start-up:
#   Postgres (DATABASE_URL): a row in devenv_markers, through psql;
#   Redis (REDIS_URL): the key rorun:api:started, through redis-cli;
#   S3 (S3_ENDPOINT, S3_BUCKET, S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): the object
#   devenv-markers/api.json in the uploads bucket, through boto3;
#   the OCR service (AI_SERVICE_URL): GET /health.
# Passwords go to psql and redis-cli in their environment (PGPASSWORD, REDISCLI_AUTH), never an
# argv. Then it answers GET /health on 127.0.0.1:$PORT with what it found.
import http.server, json, os, subprocess, urllib.parse, urllib.request
import boto3
from botocore.config import Config

port = int(os.environ["PORT"])

db = urllib.parse.urlparse(os.environ["DATABASE_URL"])
pg_env = dict(os.environ, PGHOST=db.hostname, PGPORT=str(db.port), PGUSER=urllib.parse.unquote(db.username),
              PGPASSWORD=urllib.parse.unquote(db.password or ""), PGDATABASE=db.path.lstrip("/"))
postgres = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-Atc",
                           "CREATE TABLE IF NOT EXISTS devenv_markers (name text PRIMARY KEY, port int NOT NULL);"
                           f"INSERT INTO devenv_markers VALUES ('api', {port}) ON CONFLICT (name) DO UPDATE SET port = EXCLUDED.port;"
                           "SELECT current_database();"],
                          env=pg_env, capture_output=True, text=True, check=True).stdout.split()[-1]

rd = urllib.parse.urlparse(os.environ["REDIS_URL"])
rd_env = dict(os.environ, REDISCLI_AUTH=urllib.parse.unquote(rd.password or ""))
redis = subprocess.run(["redis-cli", "-h", rd.hostname, "-p", str(rd.port), "--no-auth-warning", "SET", "rorun:api:started", str(port)],
                       env=rd_env, capture_output=True, text=True, check=True).stdout.strip()
if redis != "OK":
    raise SystemExit(f"redis answered {redis!r}")

s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["S3_REGION"],
                  aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                  config=Config(s3={"addressing_style": "path" if os.environ.get("S3_FORCE_PATH_STYLE") == "true" else "auto"}))
bucket = os.environ["S3_BUCKET"]
s3.put_object(Bucket=bucket, Key="devenv-markers/api.json", Body=json.dumps({"port": port}).encode(), ContentType="application/json")

with urllib.request.urlopen(os.environ["AI_SERVICE_URL"] + "/health", timeout=10) as r:
    ocr = json.load(r)

health = {"status": "ok", "postgres": postgres, "redis": redis, "s3": bucket, "ocr": ocr.get("status")}
print("api: services answered:", json.dumps(health), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/health"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(health).encode() if ok else b"{}")
    def log_message(self, *args): pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
