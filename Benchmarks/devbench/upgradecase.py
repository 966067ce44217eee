"""The upgrade case (issue 28): `devenv upgrade postgres --yes` of BENCH_UPGRADE_MB of table data
(default 1 GB) from PostgreSQL 15 to 17, against a hand-run `pg_dumpall | psql` between the
same two containers: the stack's running 15 server and a 17 server started beside it on the
stack's network (its start untimed, as a hand-run upgrade has it running already)."""
import json
import os

from . import shell, sqlgen, timed
from .result import CaseResult, FAILED, NOT_AVAILABLE

NEW = "devenvbench-upgrade-17"


def run(bench, mb: int, runs: int) -> CaseResult:
    from .cases import PSQL, STACK, compose_cmd
    ws = bench.ws
    r = CaseResult("upgrade", f"upgrade {mb} MB of Postgres data from 15 to 17", "devenv upgrade postgres --yes",
                   "pg_dumpall | psql from the running 15 into a running 17 (same two images, same network)", goal_ratio=1.1)
    stack = f"{STACK}-upgrade"
    manifest = lambda v: f"name: {stack}\nservices:\n  postgres: {{ version: \"{v}\", databases: [bench] }}\n"
    project = ws.project(stack, manifest("15"))
    compose = compose_cmd(project, stack)

    def write_manifest(v: str):
        with open(os.path.join(project, "devenv.yml"), "w") as f:
            f.write(manifest(v))

    def container() -> str:
        return shell.run(["sh", "-c", f"{compose} ps -q postgres"], env=ws.env, cwd=project).stdout.strip()

    def image() -> str:
        return shell.run(["docker", "inspect", "--format", "{{.Config.Image}}", container()]).stdout.strip()

    if ws.devenv_run(project, "upgrade", "--help", check=False).returncode != 0:
        r.status, r.reason = NOT_AVAILABLE, "`devenv upgrade` is not in this build"
        return r
    ws.devenv_run(project, "up")
    old_image = image()
    data = os.path.join(ws.root, f"upgrade-{mb}.sql")
    rows = sqlgen.write(data, mb * 1024 * 1024)
    ws.devenv_run(project, "compose", "exec", "-T", "postgres", *PSQL, stdin_file=data, timeout=3600)
    os.remove(data)
    # The data as it is after any use: the first reader of freshly loaded rows sets their hint
    # bits, writing every page again (1.3 GB here), which fell on the first timed run (devenv's:
    # 27-31 s of copy against 7.5-15 s in the runs after it). VACUUM sets them once, untimed.
    bench.psql_value(project, f"VACUUM {sqlgen.TABLE}")
    size = bench.psql_value(project, "SELECT pg_size_pretty(pg_database_size('bench'))")
    r.notes.append(f"{rows:,} rows in one table, database size {size} (PostgreSQL 15, {old_image})")
    env = timed.dotenv(os.path.join(project, ".env"))
    password = env.get("PGPASSWORD", "")

    def settle():
        """Writes back what the last run left dirty (untimed, before either side): otherwise the
        next run's first fsync (devenv's initdb of the new volume; the baseline's 17 server is
        initialised before its clock) waits behind gigabytes of the previous copy."""
        shell.run(["sync"])

    def back_to_15():
        """The state a teammate is in after pulling the bump: the 15 server runs its data, devenv.yml says 17."""
        ws.devenv_run(project, "upgrade", "postgres", "--rollback", check=False)
        ws.devenv_run(project, "snapshot", "rm", "upgrade-postgres-15-to-17", check=False)
        write_manifest("15")
        ws.devenv_run(project, "up")
        write_manifest("17")

    def prepare_devenv():
        back_to_15()
        settle()

    phases: list[dict] = []
    new_image: dict = {}      # the 17 image, as devenv's first run resolved it (runs alternate, devenv first)

    def devenv() -> float:
        seconds, p = timed.run([ws.devenv, "upgrade", "postgres", "--yes", "--json"], env=ws.env, cwd=project,
                               prepare=prepare_devenv, timeout=7200)
        out = json.loads(p.stdout)
        new_image["image"] = image()
        phases.append({"total": seconds, "unavailable": out.get("unavailable", 0.0),
                       "copy": sum(d.get("seconds", 0.0) for d in out.get("databases", [])), **out.get("phases", {})})
        return seconds

    def start_new():
        """A fresh 17 server on the stack's network (untimed), the 15 one running as the service."""
        shell.run(["docker", "rm", "-f", "-v", NEW], check=False)
        shell.run(["docker", "run", "-d", "--name", NEW, "--label", f"dev.devenv.root={project}", "--network", f"{stack}_default",
                   "-e", "POSTGRES_USER=devenv", "-e", "POSTGRES_PASSWORD", new_image["image"]], env=dict(ws.env, POSTGRES_PASSWORD=password))
        ready = ["docker", "exec", NEW, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "devenv"]
        for _ in range(1200):
            if shell.run(ready, check=False).returncode == 0:
                break
            shell.run(["sleep", "0.1"])

    def prepare_baseline():
        back_to_15()
        start_new()
        settle()

    hand = 'pg_dumpall -h postgres -U devenv | psql -X -q -h 127.0.0.1 -U devenv -d postgres >/dev/null 2>/tmp/restore.err; tail -n 3 /tmp/restore.err >&2'

    def baseline() -> float:
        return timed.run(["docker", "exec", "-e", "PGPASSWORD", NEW, "sh", "-c", hand], env=dict(ws.env, PGPASSWORD=password),
                         cwd=project, prepare=prepare_baseline, timeout=7200)[0]

    t = timed.alternate([("devenv", devenv), ("baseline", baseline)], runs=runs)
    r.devenv, r.baseline = t["devenv"], t["baseline"]
    got = shell.run(["docker", "exec", "-e", "PGPASSWORD", NEW, "psql", "-X", "-tA", "-h", "127.0.0.1", "-U", "devenv", "-d", "bench",
                     "-c", f"SELECT count(*) FROM {sqlgen.TABLE}"], env=dict(ws.env, PGPASSWORD=password), check=False).stdout.strip()
    if got != str(rows):
        r.status, r.reason = FAILED, f"the hand-run copy holds {got or 'nothing'} rows, not {rows:,}"
    shell.run(["docker", "rm", "-f", "-v", NEW], check=False)
    # devenv's last run: the service on 17 with every row.
    back_to_15()
    ws.devenv_run(project, "upgrade", "postgres", "--yes", timeout=7200)
    ws.devenv_run(project, "up")
    got = bench.psql_value(project, f"SELECT count(*) FROM {sqlgen.TABLE}")
    version = bench.psql_value(project, "SHOW server_version_num")
    if got != str(rows) or not version.startswith("17"):
        r.status, r.reason = FAILED, f"after `devenv upgrade` the service runs {version or '?'} with {got or 'no'} rows, not 17 with {rows:,}"
    for p in phases:
        r.notes.append("devenv run: " + ", ".join(f"{k} {v:.1f} s" for k, v in p.items()))
    r.notes.append("each run starts from the 15 server running its data and devenv.yml naming 17 (`upgrade --rollback`, "
                   "the upgrade's snapshot removed, `up` on 15); devenv's time includes its snapshot, both servers' starts, "
                   "the row counts on both sides and the checks; the baseline's 17 server is started before its clock; "
                   "before either side's clock, `sync` writes back what the previous run left dirty")
    ws.devenv_run(project, "down", "--all", "--volumes", "--yes", check=False)
    return r
