"""Writes results.json (everything measured) and results.md (the table, then details)."""
import json
import os

from .result import CaseResult, MEASURED


def fmt_seconds(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def fmt_timing(t) -> str:
    return f"{fmt_seconds(t.min)} / **{fmt_seconds(t.median)}** / {fmt_seconds(t.max)}" if t else "—"


def verdict(r: CaseResult) -> str:
    if r.status != MEASURED:
        return f"{r.status}"
    v = {True: "✅ met", False: "❌ missed", None: "reported"}[r.met]
    judged = [c for c in r.checks if c.goal != "report"]
    if judged:
        v += f" ({sum(c.met is True for c in judged)} of {len(judged)} goals met)"
    if r.polls is not None:
        v += (f"; parent: {r.failed_polls} of {r.polls} polls failed"
              + (f", unavailable {r.parent_unavailable:.1f} s" if r.parent_unavailable is not None else ""))
    return v


def mark(met: bool | None) -> str:
    return {True: " ✅", False: " ❌", None: ""}[met]


def goal_tables(results: list[CaseResult]) -> list[str]:
    """One table per set of cases judged goal by goal (the same checks): a column per goal,
    each cell the figure and whether it met its goal."""
    lines, done = [], set()
    for r in results:
        if not r.checks or r.id in done:
            continue
        names = [c.name for c in r.checks]
        group = [x for x in results if [c.name for c in x.checks] == names]
        done.update(x.id for x in group)
        lines += ["", "Goals one by one (" + ", ".join(f"`{x.id}`" for x in group) + "):", "",
                  "| case | " + " | ".join(c.name + ("" if c.goal == "report" else f" ({c.goal})") for c in r.checks) + " |",
                  "|---|" + "---|" * len(names)]
        for x in group:
            cells = [c.value + mark(c.met if c.goal != "report" else None) for c in x.checks]
            lines.append(f"| {x.title} | " + " | ".join(cells) + " |")
    return lines


def write(results: list[CaseResult], machine: dict, out_dir: str, analysis_file: str | None) -> None:
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"machine": machine, "cases": [r.to_json() for r in results]}, f, indent=2)
        f.write("\n")

    lines = ["# devenv benchmarks", "",
             f"Written by `make bench` on {machine['date']}: devenv {machine['devenv']}, {machine['docker']}, "
             f"{machine['compose']}, {machine['hyperfine']}; {machine['cpus']} CPUs, {machine['kernel']}; "
             f"load average {machine['load_before']} before, {machine['load_after']} after.", "",
             "Times are wall clock, min / **median** / max over the runs; ratio = devenv median ÷ baseline median, "
             "both measured in the same run (rounds alternate which side goes first). "
             "Peak RSS: devenv's own high-water mark (VmHWM); in brackets the largest of devenv and any child "
             "it waited for, which is what `/usr/bin/time -v` reports.", "",
             "| case | devenv | baseline | ratio | goal | result | devenv peak RSS |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        mem = "—" if not r.rss else (f"{r.rss['own_mb']:.1f} MB ({r.rss['tree_mb']:.1f})" if r.rss["own_mb"]
                                      else f"≤ {r.rss['tree_mb']:.1f} MB (too short to sample)")
        goal = "each in the goal table below" if any(c.goal != "report" for c in r.checks) else r.goal
        lines.append(f"| {r.title} | {fmt_timing(r.devenv)} | {fmt_timing(r.baseline)} | {ratio} | {goal} | {verdict(r)} | {mem} |")
    lines += goal_tables(results)
    lines += ["", "## Cases", ""]
    for r in results:
        lines.append(f"- **{r.title}** — devenv: `{r.devenv_cmd}`; baseline: `{r.baseline_cmd}`"
                     + (f"; runs: {r.devenv.runs} + {r.baseline.runs}" if r.devenv and r.baseline else
                        f"; baseline runs: {r.baseline.runs}" if r.baseline else ""))
        if r.reason:
            lines.append(f"  - {r.status}: {r.reason}")
        for note in r.notes:
            lines.append(f"  - {note}")
        if r.profile:
            lines.append("  - where one devenv run spends its time (traced with strace, which slows process creation):")
            lines += [f"    - {p}" for p in r.profile]
    if analysis_file and os.path.exists(analysis_file):
        with open(analysis_file) as f:
            lines += ["", f.read().strip()]
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
