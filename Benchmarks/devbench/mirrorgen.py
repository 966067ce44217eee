"""Staging config for the mirror cases: N variables in the shape `railway variables --json`
prints (one JSON object), a mix like a real service's — plain settings, URLs of the team's
staging apps, database URLs with passwords, secrets by name — and the stand-in CLI printing it."""
import json
import os


def write(project: str, n: int) -> str:
    """Writes staging.json and bin/staging-env (prints it) into `project`; returns the manifest's staging: part."""
    data = {}
    for i in range(n):
        kind = i % 10
        if kind == 0:
            data[f"SERVICE_{i:05d}_DATABASE_URL"] = f"postgres://app:Pw{i:05d}x@db-{i}.c9.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require"
        elif kind == 1:
            data[f"SERVICE_{i:05d}_SECRET"] = f"s3cr3t-{i:05d}-" + "k" * 24
        elif kind == 2:
            data[f"SERVICE_{i:05d}_URL"] = f"https://api.staging.example.app/v1/{i}"
        else:
            data[f"SETTING_{i:05d}"] = f"value-{i:05d}-" + "x" * 16
    with open(os.path.join(project, "staging.json"), "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.makedirs(os.path.join(project, "bin"), exist_ok=True)
    script = os.path.join(project, "bin", "staging-env")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nexec cat "$(dirname "$0")/../staging.json"\n')
    os.chmod(script, 0o755)
    return ("staging:\n  from: { command: [./bin/staging-env], format: json }\n"
            "  rewrite: { api.staging.example.app: \"localhost:8000\" }\n")


BASELINE = ("python3 -c 'import json,sys; d=json.load(open(\"staging.json\")); "
            "open(\".env.baseline\",\"w\").write(\"\".join(f\"{k}={v}\\n\" for k,v in d.items()))'")
