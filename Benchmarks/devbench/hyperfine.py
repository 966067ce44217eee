"""Times commands with hyperfine (`--export-json`). Runs are split into rounds whose order
alternates (A B, then B A, ...), so drift on a shared machine hits both sides alike."""
import json
import os
import shlex
import subprocess

from .stats import Timing, merge


class Hyperfine:
    def __init__(self, binary: str, scratch: str, env: dict):
        self.binary, self.scratch, self.env = binary, scratch, env
        self.count = 0
        self.cpu: dict[str, float] = {}   # the last measure()'s mean CPU seconds per run, by name

    def measure(self, commands: list[tuple[str, str]], *, runs: int, rounds: int = 1, warmup: int = 0,
                prepare: str | None = None, shell: bool = False, cwd: str | None = None) -> dict[str, Timing]:
        """`commands`: (name, command line). `runs` per command per round. `shell`: run the
        command through sh (needed for redirections); otherwise hyperfine's -N (no shell)."""
        per_round: dict[str, list[Timing]] = {name: [] for name, _ in commands}
        cpu: dict[str, list[float]] = {name: [] for name, _ in commands}
        for r in range(rounds):
            order = commands if r % 2 == 0 else list(reversed(commands))
            for name, (timing, seconds) in self._run(order, runs=runs, warmup=warmup if r == 0 else 0,
                                                     prepare=prepare, shell=shell, cwd=cwd).items():
                per_round[name].append(timing)
                cpu[name].append(seconds)
        # Mean CPU time (user + system) per run, over every round: less sensitive to a busy machine than wall time.
        self.cpu = {name: sum(s) / len(s) for name, s in cpu.items()}
        return {name: merge(ts) for name, ts in per_round.items()}

    def _run(self, commands, *, runs, warmup, prepare, shell, cwd) -> dict[str, Timing]:
        self.count += 1
        export = os.path.join(self.scratch, f"hyperfine-{self.count:03d}.json")
        argv = [self.binary, "--style", "basic", "--runs", str(runs), "--export-json", export]
        if warmup:
            argv += ["--warmup", str(warmup)]
        if prepare:
            argv += ["--prepare", prepare]
        if not shell:
            argv += ["-N"]
        for name, cmd in commands:
            argv += ["--command-name", name]
        argv += [cmd for _, cmd in commands]
        print("  $ " + " ".join(shlex.quote(a) for a in argv[1:]), flush=True)
        p = subprocess.run(argv, cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            raise RuntimeError("hyperfine failed:\n" + "\n".join(p.stdout.strip().splitlines()[-20:]))
        with open(export) as f:
            data = json.load(f)
        return {res["command"]: (Timing(list(res["times"])), res["user"] + res["system"]) for res in data["results"]}
