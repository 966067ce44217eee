"""The branch cases: a new branch stack from a running parent of a given size (a layer on a base
of the parent where the kind layers, a live copy elsewhere), against a fresh stack seeded with the
same data; a poller checks the parent every 100 ms during each branch creation. The timed runs
find a base of the parent (warm); the first branch, which takes it, and a live copy of the same
parent (DEVENV_BRANCH_LAYERS=off) are timed once each and noted, with the branch's disk use."""
import os
import re
import shlex

from . import shell, sqlgen, timed
from .result import CaseResult, FAILED, NOT_AVAILABLE

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]


def size_label(mb: int) -> str:
    return f"{mb / 1024:g} GB" if mb >= 1024 else f"{mb} MB"


def run(bench, case_id: str, mb: int, goal: float) -> CaseResult:
    from .cases import PSQL, STACK, compose_cmd
    ws = bench.ws
    r = CaseResult(case_id, f"branch stack from a {size_label(mb)} parent", "devenv up --branch (a layer on a base of the running parent)",
                   "devenv up of a fresh stack + psql < the same data", goal_ratio=goal, goal_failed_polls=0)
    stack = f"{STACK}-br{mb}"
    manifest = f"""name: {stack}
isolation: branch
services:
  postgres: {{ version: "15", databases: [bench] }}
"""
    project = ws.project(stack, manifest, git_branch="main")
    ws.devenv_run(project, "up")
    bench.psql_value(project, "CREATE TABLE bench_marker AS SELECT 1 AS one")
    # Does a new branch stack start with its parent's data in this build?
    shell.run(GIT + ["checkout", "-q", "-b", "bench-probe"], cwd=project)
    p = ws.devenv_run(project, "up", "--branch", check=False)
    copied = p.returncode == 0 and bench.psql_value(project, "SELECT count(*) FROM bench_marker") == "1"
    ws.devenv_run(project, "down", "--volumes", "--yes", check=False)
    shell.run(GIT + ["checkout", "-q", "main"], cwd=project)
    if not copied:
        r.status = NOT_AVAILABLE
        r.reason = (f"`devenv up --branch` failed: {shell.first_line(p)}" if p.returncode != 0 else
                    "`devenv up --branch` made a branch stack without its parent's data (volume copy not in this build)")
        return r
    # Fill the parent (main) with the data, then time branch creation against fresh + seed.
    ws.devenv_run(project, "up")      # .env points at main's stack again
    parent_url = timed.dotenv(os.path.join(project, ".env"))["DATABASE_URL"]
    data = os.path.join(ws.root, f"branch-parent-{mb}.sql")
    rows = sqlgen.write(data, mb * 1024 * 1024)
    ws.devenv_run(project, "compose", "exec", "-T", "postgres", *PSQL, stdin_file=data, timeout=3600)
    size = bench.psql_value(project, "SELECT pg_size_pretty(pg_database_size('bench'))")
    r.notes.append(f"parent: {rows:,} rows, database size {size}")
    shell.run(GIT + ["checkout", "-q", "-b", "bench-copy"], cwd=project)
    fresh_stack = f"{STACK}-fresh{mb}"
    fresh = ws.project(fresh_stack, manifest.replace(f"name: {stack}", f"name: {fresh_stack}").replace("isolation: branch\n", ""))
    ws.devenv_run(fresh, "up")

    polls, failures, unavailable = 0, [], []

    def devenv() -> float:
        nonlocal polls
        poller = timed.Poller(timed.psql_check(parent_url, ws.env))
        try:
            seconds, p = timed.run([ws.devenv, "up", "--branch"], env=ws.env, cwd=project,
                                   prepare=lambda: ws.devenv_run(project, "down", "--volumes", "--yes", check=False))
        finally:
            poller.stop()
        polls += poller.count
        failures.extend(poller.failures)
        unavailable.extend(float(x) for x in re.findall(r"unavailable (\d+(?:\.\d+)?)s", p.stdout))
        r.notes.append("devenv said: " + " / ".join(line.strip() for line in p.stdout.splitlines()
                                                      if line.startswith("New branch stack") or line.startswith("  ") and "copy" in line))
        return seconds

    seed = f"{shlex.quote(ws.devenv)} compose exec -T postgres {' '.join(PSQL)} < {shlex.quote(data)}"

    def baseline() -> float:
        return timed.run(["sh", "-c", f"{shlex.quote(ws.devenv)} up && {seed}"], env=ws.env, cwd=fresh,
                         prepare=lambda: shell.run(["sh", "-c", f"{compose_cmd(fresh, fresh_stack)} down --volumes --timeout 2"],
                                                   env=ws.env, cwd=fresh))[0]

    def once(label: str, env: dict) -> None:
        seconds, p = timed.run([ws.devenv, "up", "--branch"], env=env, cwd=project,
                               prepare=lambda: ws.devenv_run(project, "down", "--volumes", "--yes", check=False))
        said = " / ".join(line.strip() for line in p.stdout.splitlines() if line.startswith("  postgres") and "unavailable" in line)
        r.notes.append(f"{label}: {seconds:.2f} s ({said})")

    once("first branch (no base yet: takes one)", ws.env)
    once("live copy of the same parent, for comparison (DEVENV_BRANCH_LAYERS=off)", {**ws.env, "DEVENV_BRANCH_LAYERS": "off"})
    once("a branch on the base the first one took", ws.env)
    t = timed.alternate([("devenv", devenv), ("baseline", baseline)], runs=bench.config.branch_runs)
    r.devenv, r.baseline = t["devenv"], t["baseline"]
    r.failed_polls, r.polls = len(failures), polls
    r.parent_unavailable = max(unavailable) if unavailable else None
    span = f"; failures from {failures[0][0]} s to {failures[-1][0]} s: {failures[0][1]}" if failures else ""
    r.notes.append(f"parent poller (psql `SELECT 1` every 100 ms during each devenv run): {len(failures)} failed of {polls}{span}")
    r.notes.append("parent unavailable (devenv's own report): "
                   + (f"{r.parent_unavailable:.1f} s" if r.parent_unavailable is not None else "not reported"))
    r.notes.append("each devenv run starts with the branch stack removed (`devenv down --volumes --yes`), "
                   "each baseline run with the fresh stack's volumes removed")
    r.notes.append(layer_disk(ws, stack))
    got = bench.psql_value(project, f"SELECT count(*) FROM {sqlgen.TABLE}")
    if got != str(rows):
        r.status, r.reason = FAILED, f"the branch stack holds {got or 'nothing'} rows, not the parent's {rows:,}"
    # The parent and the fresh stack go now: the next case needs the disk and the memory.
    for folder in (project, fresh):
        ws.devenv_run(folder, "down", "--all", "--volumes", "--yes", check=False)
    os.remove(data)
    return r


def layer_disk(ws, project_name: str) -> str:
    """The new branch's own disk: `du` of its layer's upper volume against its base, in a
    throwaway container of the branch's image (the engine's view)."""
    def names(label: str) -> list[str]:
        return shell.run(["docker", "volume", "ls", "-q", "--filter", f"label={label}",
                          "--filter", f"label=dev.devenv.project={project_name}"], env=ws.env).stdout.split()
    layers, bases = names("dev.devenv.layer=upper"), names("dev.devenv.base-of")
    image = shell.run(["docker", "ps", "--filter", f"label=dev.devenv.project={project_name}", "--format", "{{.Image}}"],
                      env=ws.env).stdout.split()
    if not layers or not bases or not image:
        return "branch disk: no layer (the branch was copied)"
    p = shell.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "du", "-v", f"{layers[0]}:/l:ro",
                   "-v", f"{bases[0]}:/b:ro", image[0], "-sk", "/l", "/b"], env=ws.env, check=False)
    kb = [int(line.split()[0]) for line in p.stdout.splitlines() if line.split()]
    if len(kb) != 2:
        return f"branch disk: du failed ({shell.first_line(p)})"
    return (f"branch disk after the run (the branch has only set its own password): layer {kb[0] / 1024:.1f} MB "
            f"on a base of {kb[1] / 1024:.1f} MB")
