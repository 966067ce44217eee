# Stands in for Rorun's OCR service (`uvicorn app.main:app`): it reads REDIS_URL, sets the key
# rorun:ocr:started through redis-cli (the password in REDISCLI_AUTH, never an argv) and answers
# GET /health on 127.0.0.1:$PORT.
import http.server, json, os, subprocess, urllib.parse

port = int(os.environ["PORT"])
rd = urllib.parse.urlparse(os.environ["REDIS_URL"])
answer = subprocess.run(["redis-cli", "-h", rd.hostname, "-p", str(rd.port), "--no-auth-warning", "SET", "rorun:ocr:started", str(port)],
                        env=dict(os.environ, REDISCLI_AUTH=urllib.parse.unquote(rd.password or "")),
                        capture_output=True, text=True, check=True).stdout.strip()
if answer != "OK":
    raise SystemExit(f"redis answered {answer!r}")
health = {"status": "ok", "redis": answer}
print("ocr: Redis answered:", answer, flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/health"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(health).encode() if ok else b"{}")
    def log_message(self, *args): pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
