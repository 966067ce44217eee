"""`python3 -m devbench.rerender` — rewrites Benchmarks/results.md from results.json and the
current analysis.md, without measuring anything (the numbers stay those of the last run)."""
import json
import os

from . import report
from .result import CaseResult, Check
from .stats import Timing

FIELDS = {"id", "title", "goal_ratio", "goal_rss_mb", "goal_failed_polls", "goal_seconds", "status", "reason", "notes", "profile"}


def load(path: str) -> tuple[dict, list[CaseResult]]:
    with open(path) as f:
        data = json.load(f)
    results = []
    for c in data["cases"]:
        r = CaseResult(c["id"], c["title"], c["devenv_command"], c["baseline_command"],
                       goal_ratio=c.get("goal_ratio"), goal_rss_mb=c.get("goal_rss_mb"),
                       goal_failed_polls=c.get("goal_failed_polls"), goal_seconds=c.get("goal_seconds"),
                       status=c["status"], reason=c.get("reason") or "")
        r.devenv = Timing(c["devenv"]["times"]) if c.get("devenv") else None
        r.baseline = Timing(c["baseline"]["times"]) if c.get("baseline") else None
        r.rss, r.notes, r.profile = c.get("devenv_peak_rss"), c.get("notes") or [], c.get("profile") or []
        r.polls, r.failed_polls = c.get("parent_polls"), c.get("parent_failed_polls")
        r.parent_unavailable = c.get("parent_unavailable_seconds")
        r.checks = [Check(k["name"], k["goal"], k["value"], k.get("met")) for k in c.get("checks") or []]
        results.append(r)
    return data["machine"], results


if __name__ == "__main__":
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    machine, results = load(os.path.join(here, "results.json"))
    report.write(results, machine, here, os.path.join(here, "analysis.md"))
    print(f"rewrote {os.path.join(here, 'results.md')} from results.json")
