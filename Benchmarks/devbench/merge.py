"""`python3 -m devbench.merge [PARTIAL_RESULTS_JSON]` — puts the cases of a partial run
(`BENCH_CASES=…`, written to Benchmarks/results/tmp/results.json, the default) into
Benchmarks/results.json: a case replaces the one of the same id, in the cases' order; each gets
a note naming that run (date, build, load), since the header keeps the full run's. Cases whose id
is no longer a case (replaced ones) are dropped. Then results.md is rewritten (as `rerender`)."""
import json
import os
import sys

from . import report, rerender
from .__main__ import ORDER


def main() -> int:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    partial_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results", "tmp", "results.json")
    full_path = os.path.join(here, "results.json")
    with open(partial_path) as f:
        partial = json.load(f)
    with open(full_path) as f:
        full = json.load(f)
    m = partial["machine"]
    ids = [c["id"] for c in partial["cases"]]
    run = (f"measured in a run of these cases only (`make bench BENCH_CASES=\"{' '.join(ids)}\"`) on {m['date']}, "
           f"devenv {m['devenv']}, load average {m['load_before']} before, {m.get('load_after', '?')} after")
    cases = {c["id"]: c for c in full["cases"]}
    for c in partial["cases"]:
        c["notes"] = [n for n in c.get("notes") or [] if not n.startswith("measured in a run of these cases only")] + [run]
        cases[c["id"]] = c
    dropped = [i for i in cases if i not in ORDER]
    full["cases"] = [cases[i] for i in ORDER if i in cases]
    with open(full_path, "w") as f:
        json.dump(full, f, indent=2)
        f.write("\n")
    machine, results = rerender.load(full_path)
    report.write(results, machine, here, os.path.join(here, "analysis.md"))
    print(f"merged {', '.join(ids)} into {full_path}" + (f"; dropped {', '.join(dropped)} (no longer cases)" if dropped else "")
          + f"; rewrote {os.path.join(here, 'results.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
