# Stands in for MyFlow's FastAPI app (`poetry run uvicorn src.main:app`): it reads the values
# devenv put in its environment (MONGODB_URI, MONGODB_DB_NAME, PORT), connects to MongoDB,
# records that it started (the `api` document in `devenv_markers`) and answers GET /health with
# what it found, on 127.0.0.1:$PORT.
import http.server, json, os, pymongo

client = pymongo.MongoClient(os.environ["MONGODB_URI"], serverSelectionTimeoutMS=30000)
db = client[os.environ["MONGODB_DB_NAME"]]
port = int(os.environ["PORT"])
health = {"status": "ok", "database": db.name, "contexts": db.contexts.count_documents({}), "flows": db.flows.count_documents({})}
db.devenv_markers.replace_one({"_id": "api"}, {"_id": "api", "port": port, **health}, upsert=True)
print("api: MongoDB answered:", json.dumps(health), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(health).encode() if self.path == "/health" else b"{}"
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
