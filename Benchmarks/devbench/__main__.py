"""`python3 -m devbench DEVENV_BINARY [CASE…]` — runs the cases (all by default), writes
Benchmarks/results.md and results.json, and always removes what it created."""
import datetime
import os
import platform
import signal
import sys
import traceback

from . import cases, report, shell
from .config import Config
from .hyperfine import Hyperfine
from .result import CaseResult, FAILED
from .workspace import Workspace

ORDER = ["cli-start", "cli-start-base", "cold-up", "cold-up-floor", "warm-up", "status", "ports", "seed",
         "branch-1g", "branch-1g-xfs", "branch-5g", "branch-5g-xfs", "mirror", "mirror-check", "pull", "upgrade"]
TITLES = {"cli-start": "CLI start", "cli-start-base": "CLI start against an earlier build", "cold-up": "cold `up` to ready", "cold-up-floor": "cold `up` against the floor",
          "warm-up": "warm `up`", "status": "status", "ports": "ports", "seed": "seed",
          "branch-1g": "branch stack from a 1 GB parent, default engine", "branch-1g-xfs": "branch stack from a 1 GB parent, XFS engine",
          "branch-5g": "branch stack from a 5 GB parent, default engine", "branch-5g-xfs": "branch stack from a 5 GB parent, XFS engine",
          "mirror": "mirror staging", "mirror-check": "mirror --check", "pull": "pull masked data from staging",
          "upgrade": "upgrade Postgres 15 to 17"}
METHODS = {"cli-start": "cli_start", "cli-start-base": "cli_start_base", "cold-up": "cold_up", "cold-up-floor": "cold_up_floor", "warm-up": "warm_up",
           "status": "status", "ports": "ports", "seed": "seed",
           "branch-1g": "branch_1g", "branch-1g-xfs": "branch_1g_xfs", "branch-5g": "branch_5g", "branch-5g-xfs": "branch_5g_xfs",
           "mirror": "mirror", "mirror-check": "mirror_check", "pull": "pull", "upgrade": "upgrade"}


# A name that stands for several cases.
ALIASES = {"branch": ["branch-1g", "branch-1g-xfs", "branch-5g", "branch-5g-xfs"],
           "branch-xfs": ["branch-1g-xfs", "branch-5g-xfs"]}


def version(argv: list[str]) -> str:
    p = shell.run(argv, check=False)
    return (p.stdout or p.stderr).strip().splitlines()[0] if p.returncode == 0 else "unknown"


def machine(devenv: str) -> dict:
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "devenv": version([devenv, "--version"]),
            "docker": "Docker " + version(["docker", "version", "--format", "{{.Server.Version}}"]),
            "compose": version(["docker", "compose", "version"]),
            "hyperfine": version(["hyperfine", "--version"]),
            "cpus": os.cpu_count(), "kernel": f"{platform.system()} {platform.release()}",
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    devenv = os.path.abspath(sys.argv[1])
    selected = [c for arg in sys.argv[2:] for c in ALIASES.get(arg, [arg])] or ORDER
    unknown = [c for c in selected if c not in METHODS]
    if unknown:
        aliases = "; ".join(f"{name}: {' '.join(ids)}" for name, ids in ALIASES.items())
        print(f"unknown case(s): {', '.join(unknown)}; cases: {', '.join(ORDER)} (and {aliases})", file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # Benchmarks/
    # SIGTERM/SIGHUP unwind like Ctrl-C, so the `finally` below still cleans up.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    info = machine(devenv)
    ws = Workspace(devenv)
    scratch = os.path.join(here, "results", "tmp")
    os.makedirs(scratch, exist_ok=True)
    results: list[CaseResult] = []
    try:
        bench = cases.Bench(ws, Hyperfine("hyperfine", scratch, ws.env), Config.from_environment(), here)
        for case in [c for c in ORDER if c in selected]:
            print(f"== {case}", flush=True)
            try:
                results.append(getattr(bench, METHODS[case])())
            except KeyboardInterrupt:
                raise
            except Exception as e:
                traceback.print_exc()
                results.append(CaseResult(case, TITLES[case], "", "", status=FAILED, reason=str(e).splitlines()[0]))
            last = results[-1]
            print(f"   {last.status}" + (f": {last.reason}" if last.reason else "")
                  + (f"; ratio {last.ratio:.2f}" if last.ratio is not None else ""), flush=True)
    finally:
        print("== cleaning up", flush=True)
        ws.teardown()
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    # A partial run (some cases only) must not overwrite the committed results.
    out = here if set(selected) == set(ORDER) else scratch
    report.write(results, info, out, os.path.join(here, "analysis.md"))
    print(f"wrote {os.path.join(out, 'results.md')} and results.json")
    return 0 if all(r.status != FAILED for r in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; what it had started was removed", file=sys.stderr)
        sys.exit(130)
