"""The pull case (issue 27): `devenv pull postgres --yes` of a staging Postgres holding
BENCH_PULL_MB of table data (default 1 GB; two of its columns masked), against the unmasked
`pg_dump -Fc | pg_restore` between the same two servers, run in the same local container."""
import os
import shlex

from . import rss, shell, sqlgen, timed
from .result import CaseResult, FAILED, NOT_AVAILABLE

PASSWORD = "bench-staging-pw"


def run(bench, mb: int, runs: int) -> CaseResult:
    from .cases import STACK, compose_cmd
    ws = bench.ws
    r = CaseResult("pull", f"pull {mb} MB from staging, masked", "devenv pull postgres --yes",
                   "pg_dump -Fc | pg_restore (unmasked, same two servers)", goal_ratio=1.11, goal_rss_mb=64)
    stack = f"{STACK}-pull"
    staging = f"{stack}-staging"
    manifest = f"""name: {stack}
services:
  postgres: {{ version: "15", databases: [bench] }}
pull:
  postgres:
    from: {{ env: BENCH_STAGING_URL }}
    tables:
      {sqlgen.TABLE}: {{ columns: {{ name: name, email: email }} }}
"""
    project = ws.project(stack, manifest)
    p = ws.devenv_run(project, "pull", "--help", check=False)
    if p.returncode != 0:
        r.status, r.reason = NOT_AVAILABLE, "`devenv pull` is not in this build"
        return r
    ws.devenv_run(project, "up")
    image = shell.run(["docker", "inspect", "--format", "{{.Config.Image}}",
                       shell.run(["sh", "-c", f"{compose_cmd(project, stack)} ps -q postgres"], env=ws.env, cwd=project).stdout.strip()]).stdout.strip()
    env = dict(ws.env, POSTGRES_PASSWORD=PASSWORD, BENCH_STAGING_URL=f"postgres://stg:{PASSWORD}@{staging}:5432/shop")
    shell.run(["docker", "run", "-d", "--name", staging, "--label", f"dev.devenv.root={project}", "--network", f"{stack}_default",
               "-e", "POSTGRES_USER=stg", "-e", "POSTGRES_PASSWORD", "-e", "POSTGRES_DB=shop", image], env=env)
    ready = ["docker", "exec", staging, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "stg", "-d", "shop"]
    for _ in range(600):
        if shell.run(ready, check=False).returncode == 0:
            break
        shell.run(["sleep", "0.1"])
    data = os.path.join(ws.root, f"pull-{mb}.sql")
    rows = sqlgen.write(data, mb * 1024 * 1024)
    shell.run(["docker", "exec", "-i", staging, "psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", "stg", "-d", "shop"], stdin_file=data, timeout=3600)
    os.remove(data)
    size = shell.run(["docker", "exec", staging, "psql", "-tAq", "-U", "stg", "-d", "shop", "-c",
                      f"SELECT pg_size_pretty(pg_total_relation_size('{sqlgen.TABLE}'))"]).stdout.strip()
    r.notes.append(f"staging: {rows:,} rows, table size {size}; devenv masks name and email (md5-based) on the source")

    def drop_snapshots():
        for name in ws.devenv_run(project, "snapshot", "ls", "--json", check=False).stdout.split('"name" : "')[1:]:
            ws.devenv_run(project, "snapshot", "rm", name.split('"')[0], check=False)

    def devenv() -> float:
        return timed.run([ws.devenv, "pull", "postgres", "--yes"], env=env, cwd=project, prepare=drop_snapshots, timeout=7200)[0]

    dump = ("export PGPASSWORD=\"$SRC_PW\"; pg_dump -Fc -h \"$1\" -U stg -d shop | pg_restore --no-owner -U devenv -d bench_base; "
            "s=$?; exit $s")

    def reset_base():
        container = shell.run(["sh", "-c", f"{compose_cmd(project, stack)} ps -q postgres"], env=ws.env, cwd=project).stdout.strip()
        shell.run(["docker", "exec", container, "psql", "-q", "-U", "devenv", "-d", "postgres",
                   "-c", "DROP DATABASE IF EXISTS bench_base WITH (FORCE)", "-c", "CREATE DATABASE bench_base"])

    def baseline() -> float:
        container = shell.run(["sh", "-c", f"{compose_cmd(project, stack)} ps -q postgres"], env=ws.env, cwd=project).stdout.strip()
        return timed.run(["docker", "exec", "-e", "SRC_PW", container, "sh", "-c", dump, "sh", staging],
                         env=dict(env, SRC_PW=PASSWORD), cwd=project, prepare=reset_base, timeout=7200)[0]

    t = timed.alternate([("devenv", devenv), ("baseline", baseline)], runs=runs)
    r.devenv, r.baseline = t["devenv"], t["baseline"]
    drop_snapshots()
    r.rss = rss.peak_rss_mb([ws.devenv, "pull", "postgres", "--yes"], env=env, cwd=project)
    got = bench.psql_value(project, f"SELECT count(*) FROM {sqlgen.TABLE} WHERE email LIKE '%@example.invalid'")
    if got != str(rows):
        r.status, r.reason = FAILED, f"after the pull the local table holds {got or 'nothing'} masked rows, not {rows:,}"
    r.notes.append("devenv's time includes its snapshot of the local data (`snapshot save pull-<time>`, removed between runs), "
                   "the schema, constraints after the data, sequences and the swap; the baseline restores into an empty database")
    shell.run(["docker", "rm", "-f", "-v", staging], check=False)
    ws.devenv_run(project, "down", "--all", "--volumes", "--yes", check=False)
    return r
