"""The branch cases (issue 26): a branch stack (Postgres + Redis, `isolation: branch`) from a
running parent holding N MB of table data, on the default engine (ext4: OverlayFS layers) and
on the test bed's XFS engine (reflink clones). Each case, in this order (so that at most the
parent, its base and one branch hold data at a time: the XFS file system is 16 GB):

1. the baseline: a fresh stack of the same manifest started and seeded with the data file
   (`devenv up && psql < file`), timed, then removed with its data;
2. the parent (git branch main, started before 1.) is loaded with the same file;
3. today's live copy (`DEVENV_BRANCH_LAYERS=off`) of the parent, timed once, then removed;
4. the first layered branch (no base yet: it takes one), timed once;
5. the timed runs: `up --branch` with a warm base (the branch removed before each, untimed);
   after each, the disk the new branch holds of its own;
6. the first UPDATE of the big table in the branches of the last warm runs against the same
   UPDATE on the parent (after them: it makes the base stale), each on a server just restarted
   with the case's files dropped from the page cache.

A client polls the parent (`SELECT 1` every 100 ms) during every branch creation. Everything
the case made is removed at its end, also when it fails."""
import json
import os
import re
import shlex
import time
from dataclasses import dataclass

from . import diskuse, shell, sqlgen, timed
from .result import CaseResult, Check, FAILED, NOT_AVAILABLE
from .stats import Timing

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
XFS_ENV = os.path.join(os.environ.get("DEVENV_TESTBED_SHAPES", "/var/lib/devenv-testbed/shapes"), "xfs.env")
WARM_GOAL_S, DISK_GOAL_MB = 1.5, 64
UPDATE_ROWS = 1000


def size_label(mb: int) -> str:
    return f"{mb / 1024:g} GB" if mb >= 1024 else f"{mb} MB"


@dataclass
class Target:
    """An engine to run a case on: the environment that reaches it, and what to run devenv and
    the clients through (the XFS engine's ports are in its own network namespace)."""
    name: str
    env: dict
    launcher: list[str]


def target(ws, xfs: bool) -> tuple[Target | None, str]:
    if not xfs:
        return Target("default engine", ws.env, []), ""
    values = timed.dotenv(XFS_ENV)
    host, netns = values.get("XFS_DOCKER_HOST"), values.get("XFS_NETNS")
    if not host or not netns:
        return None, f"{XFS_ENV} names no XFS engine: run `make testbed` (Tests/testbed/engine-shapes.sh) as root"
    env = {**ws.env, "DOCKER_HOST": host}
    env.pop("DOCKER_CONTEXT", None)
    p = shell.run(["docker", "info", "-f", "{{.DockerRootDir}}"], env=env, check=False, timeout=30)
    if p.returncode != 0 or not os.path.exists(netns):
        return None, f"the test bed's XFS engine ({host}) does not answer: run `make testbed` (or Tests/testbed/engine-shapes.sh xfs)"
    return Target("XFS engine", env, ["nsenter", f"--net={netns}"]), ""


def data_file(bench, mb: int) -> tuple[str, int]:
    """The data file of `mb` MB (made once; the same size on the other engine reuses it), and
    its rows. A file of another size is deleted first: 5 GB files add up."""
    files = bench.__dict__.setdefault("branch_files", {})
    for other in [k for k in files if k != mb]:
        os.remove(files.pop(other)[0])
    if mb not in files:
        path = os.path.join(bench.ws.root, f"branch-parent-{mb}.sql")
        files[mb] = (path, sqlgen.write(path, mb * 1024 * 1024))
    return files[mb]


def said(p) -> list[str]:
    """What `up --branch` said of the branch and its times (not the progress or the table)."""
    keep = []
    for line in p.stdout.splitlines():
        if line.startswith(("Stack ", "New branch stack", "Timings")) or (
                line.startswith("  ") and "://" not in line and not line.strip().startswith("SERVICE")):
            keep.append(line.strip())
    return keep


def run(bench, case_id: str, mb: int, xfs: bool) -> CaseResult:
    from .cases import PSQL, STACK
    ws, config = bench.ws, bench.config
    t, why = target(ws, xfs)
    engine = "XFS engine (reflinks)" if xfs else "default engine (ext4)"
    r = CaseResult(case_id, f"branch stack (Postgres + Redis) from a {size_label(mb)} parent, {engine}",
                   "devenv up --branch with a warm base (one of the running parent exists)",
                   "devenv up of a fresh stack + psql < the same data")
    checks = {k: Check(name, goal, "—") for k, name, goal in (
        ("method", "data method", "report"),
        ("warm", "warm branch", f"≤ {WARM_GOAL_S:g} s"),
        ("first", "no base yet, against the live copy", "no slower"),
        ("polls", "failed parent polls", "0"),
        ("disk", "new disk, branch that wrote nothing", f"≤ {DISK_GOAL_MB} MB"),
        ("update", "first UPDATE, branch against parent", "no slower"))}
    r.checks = list(checks.values())
    if t is None:
        r.status, r.reason = NOT_AVAILABLE, why
        return r

    def dv(folder: str, *args: str, check: bool = True, stdin_file: str | None = None, timeout: float = 600, env: dict | None = None):
        return shell.run(t.launcher + [ws.devenv, *args], env=env or t.env, cwd=folder, check=check,
                         stdin_file=stdin_file, timeout=timeout)

    def docker(*args: str, check: bool = True):
        return shell.run(["docker", *args], env=t.env, check=check)

    def value(folder: str, sql: str) -> str:
        p = dv(folder, "compose", "exec", "-T", "postgres", *PSQL, "-tAc", sql, check=False, timeout=3600)   # VACUUM of 5 GB
        return p.stdout.strip() if p.returncode == 0 else ""

    def status(folder: str) -> dict:
        return json.loads(dv(folder, "status", "--json").stdout)

    stack, fresh_stack = f"{STACK}-br{mb}" + ("-xfs" if xfs else ""), f"{STACK}-fresh{mb}" + ("-xfs" if xfs else "")
    manifest = f"""name: {stack}
isolation: branch
services:
  postgres: {{ version: "15", databases: [bench] }}
  redis: {{ version: "7" }}
"""
    project = ws.project(stack, manifest, git_branch="main", env=t.env)
    fresh = None
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        dv(project, "up")
        value(project, "CREATE TABLE bench_marker AS SELECT 1 AS one")
        # Does a new branch stack start with its parent's data in this build?
        shell.run(GIT + ["checkout", "-q", "-b", "bench-probe"], cwd=project)
        p = dv(project, "up", "--branch", check=False)
        copied = p.returncode == 0 and value(project, "SELECT count(*) FROM bench_marker") == "1"
        dv(project, "down", "--volumes", "--yes", check=False)
        shell.run(GIT + ["checkout", "-q", "main"], cwd=project)
        if not copied:
            r.status = NOT_AVAILABLE
            r.reason = (f"`devenv up --branch` failed: {shell.first_line(p)}" if p.returncode != 0 else
                        "`devenv up --branch` made a branch stack without its parent's data (volume copy not in this build)")
            return r

        def settle():
            """Untimed, before each timed run: what the previous step left dirty is written back,
            so the run does not wait behind it."""
            os.sync()

        data, rows = data_file(bench, mb)
        if xfs:
            # At most the parent and its base (or one copy of it) hold the data at a time; the
            # database is ≈ 1.3 × the file, and the parent keeps up to 1 GB of WAL beside it.
            root_dir = docker("info", "-f", "{{.DockerRootDir}}").stdout.strip()
            st_fs = os.statvfs(root_dir)
            free, need = st_fs.f_bavail * st_fs.f_frsize, int(2 * 1.3 * mb * 2**20 + 1.5 * 2**30)
            if free < need:
                r.status = FAILED
                r.reason = f"the XFS engine's file system has {diskuse.mb(free)} free; the case needs about {diskuse.mb(need)}"
                return r

        # 1. The baseline, before the parent is loaded (disk): a fresh stack + the same data,
        # then the fresh stack and its data go.
        fresh = ws.project(fresh_stack, manifest.replace(f"name: {stack}", f"name: {fresh_stack}").replace("isolation: branch\n", ""), env=t.env)
        dv(fresh, "up")
        compose_down = (f"{shlex.quote(ws.devenv)} compose down --volumes --timeout 2")
        seed = f"{shlex.quote(ws.devenv)} compose exec -T postgres {' '.join(PSQL)} < {shlex.quote(data)}"
        baseline = []
        for i in range(config.branch_runs):
            print(f"  baseline run {i + 1}/{config.branch_runs}", flush=True)
            shell.run(t.launcher + ["sh", "-c", compose_down], env=t.env, cwd=fresh)
            settle()
            baseline.append(timed.run(t.launcher + ["sh", "-c", f"{shlex.quote(ws.devenv)} up && {seed}"], env=t.env, cwd=fresh,
                                      timeout=4 * 3600)[0])
        r.baseline = Timing(baseline)
        dv(fresh, "down", "--all", "--volumes", "--yes", check=False)
        ws.remove(fresh)

        # 2. The parent, loaded.
        dv(project, "up")      # .env points at main's stack again
        parent_url = timed.dotenv(os.path.join(project, ".env"))["DATABASE_URL"]
        parent_stack = status(project)["stack"]
        dv(project, "compose", "exec", "-T", "postgres", *PSQL, stdin_file=data, timeout=4 * 3600)
        # The parent then rests: what autovacuum would do after a bulk load is done now, so the
        # parent's snapshot stays as the first branch's base saw it (else a run retakes the base).
        value(project, "VACUUM ANALYZE")
        value(project, "CHECKPOINT")
        size = value(project, "SELECT pg_size_pretty(pg_database_size('bench'))")
        r.notes.append(f"parent: {rows:,} rows in one table ({os.path.getsize(data) / 2**20:.0f} MB file), database size {size}; "
                       f"engine: {t.name}" + (f" (DOCKER_HOST={t.env['DOCKER_HOST']}, devenv and psql run in its network namespace)" if t.launcher else ""))

        shell.run(GIT + ["checkout", "-q", "-b", "bench-copy"], cwd=project)
        polls = {"live": [0, []], "layered": [0, []]}
        unavailable: list[float] = []

        def branch(label: str, env: dict, kind: str, before=None) -> tuple[float, list[str]]:
            """One timed `up --branch` (the branch removed first, untimed; then `before()`) with the poller on."""
            dv(project, "down", "--volumes", "--yes", check=False)
            settle()
            if before:
                before()
            poller = timed.Poller(timed.psql_check(parent_url, t.env, t.launcher))
            try:
                seconds, p = timed.run(t.launcher + [ws.devenv, "up", "--branch"], env=env, cwd=project)
            finally:
                poller.stop()
            polls[kind][0] += poller.count
            polls[kind][1].extend(poller.failures)
            unavailable.extend(float(x) for x in re.findall(r"unavailable (\d+(?:\.\d+)?)s", p.stdout))
            lines = said(p)
            print(f"  {label}: {seconds:.2f} s", flush=True)
            return seconds, lines

        # 3. Today's live copy, then 4. the first layered branch (it takes the base).
        live, live_said = branch("live copy (DEVENV_BRANCH_LAYERS=off)", {**t.env, "DEVENV_BRANCH_LAYERS": "off"}, "live")
        first, first_said = branch("first branch (no base yet)", t.env, "layered")
        r.notes.append(f"today's live copy of the parent (DEVENV_BRANCH_LAYERS=off), once: {live:.2f} s — " + " / ".join(live_said))
        r.notes.append(f"first layered branch (no base yet: it takes one), once: {first:.2f} s — " + " / ".join(first_said))
        checks["first"].value, checks["first"].met = f"{first:.2f} s against {live:.2f} s", first <= live

        # 5. Warm runs, each followed (untimed) by the new branch's own disk and, after the last
        # `update_runs` of them, by the branch's first UPDATE of the big table (6.).
        root_dir = docker("info", "-f", "{{.DockerRootDir}}").stdout.strip()
        step = max(1, rows // UPDATE_ROWS)

        def update(offset: int) -> str:
            return (f"UPDATE {sqlgen.TABLE} SET score = score + 1 "
                    f"WHERE id = ANY (ARRAY(SELECT generate_series({1 + offset}, {rows}, {step})))")

        def first_update(stack_name: str, url: str, offset: int) -> float:
            """The server restarted and every file of the case's volumes dropped from the page
            cache, then the UPDATE; Postgres's own time for it (psql's \\timing)."""
            ids = docker("ps", "-q", "--filter", f"label=com.docker.compose.project={stack_name}",
                         "--filter", "label=com.docker.compose.service=postgres").stdout.split()
            docker("restart", "-t", "10", *ids)
            for _ in range(600):
                if timed.psql_check(url, t.env, t.launcher)()[0]:
                    break
                time.sleep(0.1)
            os.sync()
            for mp in case_folders(docker, stack):
                diskuse.evict(mp)
            p = shell.run(t.launcher + ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", "\\timing on", "-c", update(offset)],
                          env=t.env, timeout=3600)
            m = re.search(r"Time: ([\d.]+) ms", p.stdout)
            if not m:
                raise RuntimeError(f"psql printed no time for the UPDATE: {p.stdout!r}")
            return float(m.group(1)) / 1000

        def parent_sql(sql: str) -> str:
            p = shell.run(t.launcher + ["psql", parent_url, "-qtAc", sql], env=t.env, check=False)
            return " ".join(p.stdout.split())

        def snapshot() -> str:
            """The parent's snapshot (what devenv's `current` compares, reading it writes nothing),
            and the one each of its bases was taken at (their `dev.devenv.base-token`)."""
            tokens = docker("volume", "ls", "--filter", f"label=dev.devenv.base-stack={parent_stack}",
                            "--format", '{{.Label "dev.devenv.base-token"}}').stdout.split()
            return f"{parent_sql('SELECT pg_current_snapshot()')} (bases taken at: {', '.join(tokens) or 'none'})"

        def autovacuum() -> str:
            return parent_sql("SELECT string_agg(relname || ' ' || concat_ws('/', 'vacuum ' || last_autovacuum::time(0), "
                              "'analyze ' || last_autoanalyze::time(0)), ', ') FROM pg_stat_all_tables "
                              "WHERE greatest(last_autovacuum, last_autoanalyze) > now() - interval '10 minutes'")

        runs, update_runs = config.branch_warm_runs, min(config.branch_update_runs, config.branch_warm_runs)
        warm, retaken, disks, df_deltas, on_branch, copied_up = [], [], [], [], [], []
        used = [0]

        def df_before():
            used[0] = diskuse.fs_used(root_dir)     # the previous branch gone and written back

        for i in range(runs):
            before = snapshot()
            seconds, lines = branch(f"warm run {i + 1}/{runs}", t.env, "layered", before=df_before if xfs else None)
            reused = any("taken earlier, reused" in line for line in lines)
            (warm if reused else retaken).append(seconds)
            r.notes.append(f"warm run {i + 1}: {seconds:.2f} s — " + " / ".join(lines)
                           + ("" if reused else f" [the base was not reused: the parent's snapshot was {before} before the run, {snapshot()} after; "
                                                f"autovacuum in the parent's last 10 minutes: {autovacuum() or 'none'}]"))
            st = status(project)
            disk, how = branch_disk(docker, st["stack"])
            disks.append(disk)
            if xfs:
                os.sync()
                df_deltas.append(diskuse.fs_used(root_dir) - used[0])
            if i >= runs - update_runs:
                on_branch.append(first_update(st["stack"], timed.dotenv(os.path.join(project, ".env"))["DATABASE_URL"], 0))
                copied_up.append(branch_disk(docker, st["stack"])[0])
        # The parent's UPDATEs come last: its first write makes its base stale.
        on_parent = [first_update(parent_stack, parent_url, k) for k in range(update_runs)]

        methods = ", ".join(f"{s['name']} {s.get('data_method') or '?'}" for s in st["services"])
        checks["method"].value = methods
        r.devenv = Timing(warm or retaken)
        if warm:
            checks["warm"].value = f"{r.devenv.median:.2f} s (median of {r.devenv.runs})"
            checks["warm"].met = r.devenv.median <= WARM_GOAL_S
        else:
            checks["warm"].value = f"no run found its base warm ({r.devenv.median:.2f} s, median of {r.devenv.runs} that took a new one)"
        if retaken:
            r.notes.append(f"{len(retaken)} of {runs} warm runs took a new base (the parent's snapshot had moved since the base was taken): "
                           + ", ".join(f"{s:.2f} s" for s in retaken) + ("; left out of the warm figure" if warm else ""))
        worst = max(disks)
        checks["disk"].value, checks["disk"].met = diskuse.mb(worst), worst <= DISK_GOAL_MB * 2**20
        r.notes.append(f"the new branch's own disk after each warm run (it has only set its own passwords): "
                       f"{', '.join(diskuse.mb(d) for d in disks)}; after the last: {how}")
        if xfs:
            r.notes.append("XFS file system's used space (`df`, after `sync`) across each warm run, branch removal excluded: "
                           + ", ".join(f"{d / 2**20:+.1f} MB" for d in df_deltas)
                           + " (everything the run wrote on the engine: the branch's volumes, its containers' layers and logs; "
                             "other users of this engine would show here too)")
        bases = docker("volume", "ls", "-q", "--filter", f"label=dev.devenv.base-stack={parent_stack}").stdout.split()
        if bases:
            sizes = [(diskuse.allocated(v["Mountpoint"]), v["Name"]) for v in json.loads(docker("volume", "inspect", *bases).stdout)]
            r.notes.append("the parent's bases (`du`): " + ", ".join(f"{name} {diskuse.mb(n)}" for n, name in sorted(sizes, reverse=True))
                           + (" (the small one is the capability probe's, of the parent before its load)" if len(sizes) > 1 else ""))

        b, p = Timing(on_branch), Timing(on_parent)
        checks["update"].value = f"{b.median * 1000:.0f} ms against {p.median * 1000:.0f} ms" + (f" (medians of {b.runs})" if b.runs > 1 else "")
        checks["update"].met = b.median <= p.median
        r.notes.append(f"first UPDATE of {UPDATE_ROWS:,} rows spread over the whole table (`{update(0)}`), each on a server just "
                       "restarted with the case's volumes' files dropped from the page cache (Postgres's own time, psql \\timing): "
                       f"in a new branch after each of the last {update_runs} warm runs {', '.join(f'{x * 1000:.0f} ms' for x in on_branch)}; "
                       f"on the parent afterwards (rows shifted by 0…{update_runs - 1}) {', '.join(f'{x * 1000:.0f} ms' for x in on_parent)}; "
                       f"the branch's own disk after its UPDATE: {', '.join(diskuse.mb(x) for x in copied_up)}")

        # The goal counts the layered runs; today's live copy is reported beside them.
        n, failures = polls["layered"]
        r.failed_polls, r.polls = len(failures), n
        r.parent_unavailable = max(unavailable) if unavailable else None
        checks["polls"].value, checks["polls"].met = f"{len(failures)} of {n}", not failures
        span = f"; failures from {failures[0][0]} s to {failures[-1][0]} s: {failures[0][1]}" if failures else ""
        r.notes.append(f"parent poller (psql `SELECT 1` every 100 ms during each layered `up --branch`): {len(failures)} failed of {n}{span}; "
                       f"during the live copy: {len(polls['live'][1])} failed of {polls['live'][0]}")
        r.notes.append("parent unavailable (devenv's own report): "
                       + (f"{r.parent_unavailable:.1f} s" if r.parent_unavailable is not None else "not reported"))
        r.notes.append("before each timed run (untimed): the branch stack removed (`devenv down --volumes --yes`) or the fresh "
                       "stack's volumes removed, then `sync`; the baseline runs came before the branch runs, each side's data "
                       "removed before the next step (disk)")
        got = value(project, f"SELECT count(*) FROM {sqlgen.TABLE}")
        if got != str(rows):
            r.status, r.reason = FAILED, f"the branch stack holds {got or 'nothing'} rows, not the parent's {rows:,}"
        return r
    finally:
        r.notes.append(f"load average {load} when the case began, {' '.join(f'{x:.2f}' for x in os.getloadavg())} when it ended")
        # The stacks and their data go now, also on failure: the next case needs the disk.
        for folder in (project, fresh):
            if folder:
                dv(folder, "down", "--all", "--volumes", "--yes", check=False)
                ws.remove(folder)


def case_folders(docker, project_name: str) -> list[str]:
    """The engine-side folders of every volume of the case's project (parent, bases, branch
    layers), except OverlayFS volumes (their files are their layers')."""
    names = docker("volume", "ls", "-q", "--filter", f"label=dev.devenv.project={project_name}").stdout.split()
    if not names:
        return []
    out = []
    for v in json.loads(docker("volume", "inspect", *names).stdout):
        if (v.get("Options") or {}).get("type") != "overlay" and os.path.isdir(v["Mountpoint"]):
            out.append(v["Mountpoint"])
    return out


def branch_disk(docker, branch_stack: str) -> tuple[int, str]:
    """The disk the branch holds of its own (bytes) and how it was counted: an OverlayFS layer's
    upper and work folders (`du`); for a reflink clone the extents it does not share (FIEMAP);
    a copied volume whole (`du`). Read from this machine in the engine's folders."""
    names = docker("volume", "ls", "-q", "--filter", f"label=dev.devenv.stack={branch_stack}").stdout.split()
    total, parts = 0, []
    for v in json.loads(docker("volume", "inspect", *names).stdout) if names else []:
        labels, mp = v.get("Labels") or {}, v["Mountpoint"]
        if (v.get("Options") or {}).get("type") == "overlay":
            continue
        if not os.path.isdir(mp):
            raise RuntimeError(f"{mp} (volume {v['Name']}) is not on this machine: the branch's disk cannot be read")
        if labels.get("dev.devenv.layer"):
            n = diskuse.allocated(mp)
            parts.append(f"{v['Name']} (OverlayFS {labels['dev.devenv.layer']}, du) {diskuse.mb(n)}")
        elif labels.get("dev.devenv.data-method") == "reflink":
            n, shared = diskuse.unshared(mp)
            parts.append(f"{v['Name']} (reflink clone: extents not shared, FIEMAP) {diskuse.mb(n)}, "
                         f"sharing {diskuse.mb(shared)} with its base (du says {diskuse.mb(diskuse.allocated(mp))})")
        else:
            n = diskuse.allocated(mp)
            parts.append(f"{v['Name']} ({labels.get('dev.devenv.data-method', 'own')}, du) {diskuse.mb(n)}")
        total += n
    return total, "; ".join(parts) + f"; in all {diskuse.mb(total)}"
