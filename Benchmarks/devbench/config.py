"""How many runs each case gets. `BENCH_QUICK=1` for a short run while developing; sizes of
the seed and branch data can be lowered the same way (BENCH_SEED_MB; BENCH_BRANCH_MB for the
1 GB branch cases, BENCH_BRANCH_BIG_MB for the 5 GB ones; BENCH_PULL_MB, BENCH_UPGRADE_MB; BENCH_UPGRADE_RUNS runs a side of the upgrade case):
`BENCH_QUICK=1 BENCH_BRANCH_MB=200 BENCH_BRANCH_BIG_MB=400 make bench BENCH_CASES=branch`."""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    rounds: int = 3            # alternating hyperfine rounds for the fast cases
    cli_runs: int = 20         # per round
    status_runs: int = 10
    warm_runs: int = 5
    ports_runs: int = 5
    cold_rounds: int = 2
    cold_runs: int = 3         # per round; each run is a full start from nothing
    seed_rounds: int = 3       # one run per round (each moves 200 MB)
    branch_runs: int = 1       # fresh + seed runs of each branch case (each loads the data again)
    branch_warm_runs: int = 5  # `up --branch` runs with a warm base
    branch_update_runs: int = 3  # … the last of which are followed by the branch's first UPDATE (and as many on the parent)
    listeners: int = 2000
    seed_mb: int = 200
    branch_mb: int = 1024
    branch_big_mb: int = 5120
    mirror_keys: int = 50000   # staging variables in the mirror cases
    mirror_runs: int = 5       # per round
    pull_mb: int = 1024        # staging table data for the pull case (issue 27)
    pull_runs: int = 2
    upgrade_mb: int = 1024     # table data moved from Postgres 15 to 17 in the upgrade case (issue 28)
    upgrade_runs: int = 2

    @staticmethod
    def from_environment() -> "Config":
        quick = os.environ.get("BENCH_QUICK") == "1"
        base = Config(rounds=1, cli_runs=5, status_runs=3, warm_runs=2, ports_runs=2, cold_rounds=1,
                      cold_runs=1, seed_rounds=1, mirror_runs=2, pull_runs=1, upgrade_runs=1,
                      branch_warm_runs=2, branch_update_runs=1) if quick else Config()
        return Config(**{**base.__dict__,
                         "seed_mb": int(os.environ.get("BENCH_SEED_MB", base.seed_mb)),
                         "branch_mb": int(os.environ.get("BENCH_BRANCH_MB", base.branch_mb)),
                         "branch_big_mb": int(os.environ.get("BENCH_BRANCH_BIG_MB", base.branch_big_mb)),
                         "mirror_keys": int(os.environ.get("BENCH_MIRROR_KEYS", base.mirror_keys)),
                         "pull_mb": int(os.environ.get("BENCH_PULL_MB", base.pull_mb)),
                         "upgrade_mb": int(os.environ.get("BENCH_UPGRADE_MB", base.upgrade_mb)),
                         "upgrade_runs": int(os.environ.get("BENCH_UPGRADE_RUNS", base.upgrade_runs))})
