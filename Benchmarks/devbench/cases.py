"""The benchmark cases (issue 9's table). Each returns a CaseResult; a case whose devenv
command is not in this build returns "not available yet" with the reason, and no number."""
import json
import os
import shlex
import urllib.parse

from . import branchcase, capability, floor, mirrorgen, profile, pullcase, rss, shell, sqlgen, stats, timed, upgradecase
from .config import Config
from .hyperfine import Hyperfine
from .listeners import Listeners
from .result import CaseResult, FAILED, NOT_AVAILABLE
from .workspace import Workspace

STACK = "devenvbench"
MAIN_MANIFEST = f"""name: {STACK}
services:
  postgres: {{ version: "15", databases: [bench] }}
  redis: {{ version: "7" }}
"""
PSQL = ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", "devenv", "-d", "bench"]


def compose_file(project: str, stack: str) -> str:
    return os.path.join(project, ".devenv", "stacks", stack, "compose.yaml")


def compose_cmd(project: str, stack: str) -> str:
    """`docker compose` on devenv's generated file with the same project name."""
    return f"docker compose --project-name {stack} --file {shlex.quote(compose_file(project, stack))}"


class Bench:
    def __init__(self, ws: Workspace, hf: Hyperfine, config: Config, package_dir: str):
        self.ws, self.hf, self.config, self.package_dir = ws, hf, config, package_dir
        self.devenv = shlex.quote(ws.devenv)
        self.main = ws.project(STACK, MAIN_MANIFEST)
        self.compose = compose_cmd(self.main, STACK)
        self.mirror_project: str | None = None

    # ---- helpers -----------------------------------------------------------------------
    def sh(self, cmd: str, cwd: str | None = None, stdin_file: str | None = None):
        return shell.run(["sh", "-c", cmd], env=self.ws.env, cwd=cwd or self.main, stdin_file=stdin_file)

    def container_ids(self) -> list[str]:
        return sorted(self.sh(f"{self.compose} ps -q").stdout.split())

    def explain(self, r: CaseResult, args: list[str], cwd: str | None = None, prepare: str | None = None,
                always: bool = False) -> None:
        """Traces one devenv run when the case missed its goal (or `always`)."""
        if not (always or r.met is False):
            return
        if not profile.available():
            r.profile = ["(strace is not installed: no breakdown)"]
            return
        if prepare:
            self.sh(prepare, cwd=cwd)
        r.profile = profile.trace([self.ws.devenv, *args], env=self.ws.env, cwd=cwd or self.main)

    def psql_value(self, project: str, sql: str) -> str:
        p = self.ws.devenv_run(project, "compose", "exec", "-T", "postgres", *PSQL, "-tAc", sql, check=False)
        return p.stdout.strip() if p.returncode == 0 else ""

    # ---- cases -------------------------------------------------------------------------
    def cli_start(self) -> CaseResult:
        r = CaseResult("cli-start", "CLI start", "devenv --version", "docker compose version", goal_ratio=0.5)
        c = self.config
        t = self.hf.measure([("devenv", f"{self.devenv} --version"), ("baseline", "docker compose version")],
                            runs=c.cli_runs, rounds=c.rounds, warmup=3, cwd=self.main)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        r.rss = rss.peak_rss_mb([self.ws.devenv, "--version"], env=self.ws.env, cwd=self.main)
        self.explain(r, ["--version"])
        return r

    def cli_start_base(self) -> CaseResult:
        """`devenv --version` against an earlier devenv binary, BENCH_BASE_DEVENV (issue 23: the
        self-contained binary must start no slower than the release build of 4a13d79, the commit
        before it; README, Benchmarks, says how to build that one). Many short alternating rounds."""
        base = os.environ.get("BENCH_BASE_DEVENV", "")
        r = CaseResult("cli-start-base", "CLI start against an earlier devenv build", "devenv --version",
                       f"{base or '$BENCH_BASE_DEVENV'} --version", goal_ratio=1.0)
        if not base or not os.access(base, os.X_OK):
            r.status = NOT_AVAILABLE
            r.reason = "set BENCH_BASE_DEVENV to an earlier devenv binary (README, Benchmarks: the build of 4a13d79)"
            return r
        base = os.path.abspath(base)
        # Both out of the page cache, so both are read back alike by exec: a file just written or
        # copied can sit in the cache in larger pages and start faster for that alone.
        for path in (self.ws.devenv, base):
            fd = os.open(path, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
        c = self.config
        t = self.hf.measure([("devenv", f"{self.devenv} --version"), ("baseline", f"{shlex.quote(base)} --version")],
                            runs=c.cli_runs, rounds=c.rounds * 4, warmup=10, cwd=self.main)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        version = lambda b: shell.run([b, "--version"], check=False).stdout.strip()
        r.notes.append(f"devenv {version(self.ws.devenv)}, {os.path.getsize(self.ws.devenv):,} bytes; "
                       f"baseline {version(base)}, {os.path.getsize(base):,} bytes ({base})")
        lo, hi = stats.mean_difference_ci(r.devenv, r.baseline)
        r.notes.append(f"mean {r.devenv.mean * 1000:.2f} ms against {r.baseline.mean * 1000:.2f} ms; devenv − baseline: "
                       f"{(r.devenv.mean - r.baseline.mean) * 1000:+.2f} ms, 95% interval [{lo * 1000:+.2f}, {hi * 1000:+.2f}] ms")
        r.notes.append(f"CPU time (user + system) per run: {self.hf.cpu['devenv'] * 1000:.2f} ms against "
                       f"{self.hf.cpu['baseline'] * 1000:.2f} ms")
        return r

    def cold_up(self) -> CaseResult:
        r = CaseResult("cold-up", "cold `up` to ready (Postgres + Redis; images present, no containers, empty volumes)",
                       "devenv up", "docker compose up -d --wait (same file, same healthchecks)", goal_ratio=1.0)
        # First `up` plans ports and credentials and writes the compose file both sides use.
        self.ws.devenv_run(self.main, "up")
        c = self.config
        down = f"{self.compose} down --volumes --remove-orphans --timeout 2"
        t = self.hf.measure([("devenv", f"{self.devenv} up"), ("baseline", f"{self.compose} up -d --wait")],
                            runs=c.cold_runs, rounds=c.cold_rounds, prepare=down, cwd=self.main)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        self.sh(down)
        r.rss = rss.peak_rss_mb([self.ws.devenv, "up"], env=self.ws.env, cwd=self.main)
        self.explain(r, ["up"], prepare=down, always=True)
        r.notes.append("prepare before every run: `docker compose down --volumes` (so Postgres runs initdb each time)")
        return r

    def cold_up_floor(self) -> CaseResult:
        r = CaseResult("cold-up-floor", "cold `up` against the floor (Postgres + Redis; images present, no containers, empty volumes)",
                       "devenv up", "docker compose up -d, then host probes every 10 ms until Postgres and Redis answer", goal_ratio=1.05)
        self.ws.devenv_run(self.main, "up")
        env = timed.dotenv(os.path.join(self.main, ".env"))
        pg, rd = urllib.parse.urlsplit(env["DATABASE_URL"]), urllib.parse.urlsplit(env["REDIS_URL"])
        probes = {"postgres": lambda: floor.postgres_ready(pg.port, pg.username, pg.path.lstrip("/")),
                  "redis": lambda: floor.redis_ready(rd.port, urllib.parse.unquote(rd.password or ""))}
        down = ["sh", "-c", f"{self.compose} down --volumes --remove-orphans --timeout 2"]
        prepare = lambda: shell.run(down, env=self.ws.env, cwd=self.main)
        compose_up = shlex.split(self.compose) + ["up", "-d", "--quiet-pull"]

        def devenv() -> float:
            return timed.run([self.ws.devenv, "up"], env=self.ws.env, cwd=self.main, prepare=prepare)[0]

        def baseline() -> float:
            prepare()
            return floor.cold_start(compose_up, probes, env=self.ws.env, cwd=self.main)

        c = self.config
        t = timed.alternate([("devenv", devenv), ("baseline", baseline)], runs=c.cold_runs * c.cold_rounds)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        prepare()
        r.notes.append("both sides timed in-process from spawning their first command until both services answer; "
                       "before every run: `docker compose down --volumes` (Postgres runs initdb each time)")
        r.notes.append("the floor's probes speak each protocol from the host like devenv's: a Postgres StartupMessage "
                       "answered by an authentication request, Redis AUTH + PING answered by +PONG")
        return r

    def warm_up(self) -> CaseResult:
        r = CaseResult("warm-up", "warm `up` (stack already ready)", "devenv up",
                       "docker compose up -d --wait (same file, same project)", goal_ratio=0.5)
        self.ws.devenv_run(self.main, "up")          # the case before may have left the stack down
        out = self.ws.devenv_run(self.main, "up").stdout
        if "already up" not in out:
            r.notes.append("devenv did not report the stack as already up before the warm runs")
        before = self.container_ids()
        c = self.config
        t = self.hf.measure([("devenv", f"{self.devenv} up"), ("baseline", f"{self.compose} up -d --wait")],
                            runs=c.warm_runs, rounds=c.rounds, warmup=1, cwd=self.main)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        if self.container_ids() != before:
            r.notes.append("containers were recreated during the warm runs: the comparison is not warm")
        r.rss = rss.peak_rss_mb([self.ws.devenv, "up"], env=self.ws.env, cwd=self.main)
        self.explain(r, ["up"], always=True)
        return r

    def status(self) -> CaseResult:
        r = CaseResult("status", "status", "devenv status --json", "docker compose ps --format json", goal_ratio=1.0)
        c = self.config
        t = self.hf.measure([("devenv", f"{self.devenv} status --json"), ("baseline", f"{self.compose} ps --format json")],
                            runs=c.status_runs, rounds=c.rounds, warmup=2, cwd=self.main)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        r.rss = rss.peak_rss_mb([self.ws.devenv, "status", "--json"], env=self.ws.env, cwd=self.main)
        self.explain(r, ["status", "--json"])
        return r

    def ports(self) -> CaseResult:
        n = self.config.listeners
        r = CaseResult("ports", f"ports, {n:,} listeners", "devenv ports --all --json", "ss -ltnp", goal_ratio=1.0)
        available, why = capability.has_command(self.ws, self.main, "ports", options=("--all", "--json"))
        c = self.config
        with Listeners(n, cwd=self.package_dir) as helper:
            commands = [("baseline", "ss -ltnp")]
            if available:
                commands.insert(0, ("devenv", f"{self.devenv} ports --all --json"))
            t = self.hf.measure(commands, runs=c.ports_runs, rounds=c.rounds, warmup=1, cwd=self.main)
            r.baseline = t["baseline"]
            if not available:
                r.status, r.reason = NOT_AVAILABLE, why
                r.notes.append("baseline measured with the listeners up, so the helper is exercised")
                return r
            r.devenv = t["devenv"]
            p = self.ws.devenv_run(self.main, "ports", "--all", "--json", check=False)
            try:
                rows = json.loads(p.stdout)
                held = sum(1 for row in rows if (row.get("holder") or {}).get("pid") == helper.pid)
                r.notes.append(f"devenv listed {len(rows)} listeners, {held} of them held by the helper (pid {helper.pid}; it holds {n})")
            except (json.JSONDecodeError, AttributeError, TypeError) as e:
                r.notes.append(f"devenv's output was not the expected JSON list ({e})")
            r.rss = rss.peak_rss_mb([self.ws.devenv, "ports", "--all", "--json"], env=self.ws.env, cwd=self.main)
            self.explain(r, ["ports", "--all", "--json"])
        return r

    def seed(self) -> CaseResult:
        mb = self.config.seed_mb
        r = CaseResult("seed", f"seed {mb} MB `.sql`", "devenv seed postgres --force",
                       "docker compose exec -T postgres psql < file", goal_ratio=1.05, goal_rss_mb=64)
        available, why = capability.has_command(self.ws, self.main, "seed", options=("--force",))
        if not available:
            r.status, r.reason = NOT_AVAILABLE, why
            return r
        stack = f"{STACK}-seed"
        project = self.ws.project(stack, MAIN_MANIFEST.replace(f"name: {STACK}", f"name: {stack}")
                                  + "seed:\n  postgres: [seed/bench.sql]\n")
        os.makedirs(os.path.join(project, "seed"))
        data = os.path.join(project, "seed", "bench.sql")
        rows = sqlgen.write(data, mb * 1024 * 1024)
        r.notes.append(f"{os.path.getsize(data) / 2**20:.0f} MB file, {rows:,} rows in one COPY")
        self.ws.devenv_run(project, "up", timeout=1800)
        compose = compose_cmd(project, stack)
        drop = f"{compose} exec -T postgres psql -U devenv -d bench -qc 'DROP TABLE IF EXISTS {sqlgen.TABLE}'"
        baseline = f"{compose} exec -T postgres {' '.join(PSQL)} < {shlex.quote(data)}"
        t = self.hf.measure([("devenv", f"{self.devenv} seed postgres --force"), ("baseline", baseline)],
                            runs=1, rounds=self.config.seed_rounds, prepare=drop, shell=True, cwd=project)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        # The last timed run was devenv's or the baseline's; run devenv once more on an empty
        # table and check it really loaded the rows (a skipped seed would time near zero).
        self.sh(drop, cwd=project)
        r.rss = rss.peak_rss_mb([self.ws.devenv, "seed", "postgres", "--force"], env=self.ws.env, cwd=project)
        loaded = self.psql_value(project, f"SELECT count(*) FROM {sqlgen.TABLE}")
        if loaded != str(rows):
            r.status, r.reason = FAILED, f"after `devenv seed postgres --force` the table holds {loaded or 'nothing'}, not {rows:,} rows"
        self.explain(r, ["seed", "postgres", "--force"], cwd=project, prepare=drop)
        return r

    def pull(self) -> CaseResult:
        return pullcase.run(self, self.config.pull_mb, self.config.pull_runs)

    # ---- branch stacks (issue 26): 1 GB and 5 GB parents, on the default and the XFS engine -----
    def branch_1g(self) -> CaseResult:
        return branchcase.run(self, "branch-1g", self.config.branch_mb, xfs=False)

    def branch_1g_xfs(self) -> CaseResult:
        return branchcase.run(self, "branch-1g-xfs", self.config.branch_mb, xfs=True)

    def branch_5g(self) -> CaseResult:
        return branchcase.run(self, "branch-5g", self.config.branch_big_mb, xfs=False)

    def branch_5g_xfs(self) -> CaseResult:
        return branchcase.run(self, "branch-5g-xfs", self.config.branch_big_mb, xfs=True)

    # ---- mirror (issue 17): absolute goals, 50,000 keys in at most 1 s ----------------------
    def staging_project(self) -> str:
        """A project whose staging command prints `mirror_keys` variables (mirrorgen), planned once."""
        if self.mirror_project is None:
            stack = f"{STACK}-mirror"
            project = self.ws.project(stack, "")
            staging = mirrorgen.write(project, self.config.mirror_keys)
            with open(os.path.join(project, "devenv.yml"), "w") as f:
                f.write(MAIN_MANIFEST.replace(f"name: {STACK}", f"name: {stack}") + staging)
            self.ws.devenv_run(project, "trust")   # the staging command is a host command: trusted once, as a user would
            self.ws.devenv_run(project, "mirror", timeout=600)   # claims ports and credentials once
            self.mirror_project = project
        return self.mirror_project

    def mirror(self) -> CaseResult:
        n = self.config.mirror_keys
        r = CaseResult("mirror", f"mirror {n:,} staging keys into a new `.env` and lock", "devenv mirror",
                       "python3: the same JSON to KEY=value lines", goal_seconds=1.0)
        available, why = capability.has_command(self.ws, self.main, "mirror")
        if not available:
            r.status, r.reason = NOT_AVAILABLE, why
            return r
        project = self.staging_project()
        reset = "rm -f .env devenv.staging.lock .devenv/env-written.json .devenv/mirror-written.json"
        t = self.hf.measure([("devenv", f"{self.devenv} mirror"), ("baseline", mirrorgen.BASELINE)],
                            runs=self.config.mirror_runs, rounds=self.config.rounds, prepare=reset, shell=True, cwd=project)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        self.ws.devenv_run(project, "mirror")
        with open(os.path.join(project, ".env")) as f:
            lines = sum(1 for line in f if "=" in line and not line.startswith("#"))
        if lines != n:
            r.status, r.reason = FAILED, f"after `devenv mirror` .env holds {lines:,} keys, not {n:,}"
        r.notes.append(f"each run starts without .env, the lock and devenv's records of them (prepare: `{reset}`)")
        r.rss = rss.peak_rss_mb([self.ws.devenv, "mirror"], env=self.ws.env, cwd=project)
        self.explain(r, ["mirror"], cwd=project, prepare=reset)
        return r

    def mirror_check(self) -> CaseResult:
        n = self.config.mirror_keys
        r = CaseResult("mirror-check", f"mirror --check, {n:,} keys (staging, lock and .env agree)", "devenv mirror --check",
                       "python3: the same JSON to KEY=value lines", goal_seconds=1.0)
        available, why = capability.has_command(self.ws, self.main, "mirror", options=("--check",))
        if not available:
            r.status, r.reason = NOT_AVAILABLE, why
            return r
        project = self.staging_project()
        self.ws.devenv_run(project, "mirror")
        t = self.hf.measure([("devenv", f"{self.devenv} mirror --check"), ("baseline", mirrorgen.BASELINE)],
                            runs=self.config.mirror_runs, rounds=self.config.rounds, shell=True, cwd=project)
        r.devenv, r.baseline = t["devenv"], t["baseline"]
        r.rss = rss.peak_rss_mb([self.ws.devenv, "mirror", "--check"], env=self.ws.env, cwd=project)
        self.explain(r, ["mirror", "--check"], cwd=project)
        return r

    def upgrade(self) -> CaseResult:
        return upgradecase.run(self, self.config.upgrade_mb, self.config.upgrade_runs)
