"""Timing commands in-process (for cases whose output matters or whose baseline is not one
command), and a poller that checks a parent service every 100 ms while a copy runs."""
import os
import subprocess
import threading
import time

from .stats import Timing


def run(argv: list[str], *, env: dict, cwd: str, prepare=None, timeout: float = 3600) -> tuple[float, subprocess.CompletedProcess]:
    """Runs `prepare()` (untimed), then `argv`; returns (seconds, the completed process)."""
    if prepare:
        prepare()
    began = time.monotonic()
    p = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - began
    if p.returncode != 0:
        tail = "\n".join((p.stderr or p.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"`{' '.join(argv)}` exited {p.returncode}:\n{tail}")
    return seconds, p


def alternate(sides: list[tuple[str, callable]], runs: int) -> dict[str, Timing]:
    """Calls each side's timer `runs` times, alternating which goes first (A B, B A, …);
    each timer returns seconds."""
    times: dict[str, list[float]] = {name: [] for name, _ in sides}
    for i in range(runs):
        for name, timer in (sides if i % 2 == 0 else list(reversed(sides))):
            print(f"  run {i + 1}/{runs}: {name}", flush=True)
            times[name].append(timer())
    return {name: Timing(ts) for name, ts in times.items()}


class Poller:
    """Runs `check()` every 100 ms on its own thread; counts the checks and the failures
    (with their times, relative to the start)."""

    def __init__(self, check, period: float = 0.1):
        self.check, self.period = check, period
        self.count, self.failures = 0, []
        self._stop = threading.Event()
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            tick = time.monotonic()
            try:
                ok, why = self.check()
            except Exception as e:       # a poller must never die of its own check
                ok, why = False, str(e)
            self.count += 1
            if not ok:
                self.failures.append((round(tick - self._began, 2), why))
            self._stop.wait(max(0.0, self.period - (time.monotonic() - tick)))

    def stop(self) -> "Poller":
        self._stop.set()
        self._thread.join(timeout=30)
        return self


def psql_check(url: str, env: dict, launcher: list[str] = ()):
    """A check for `Poller`: one `SELECT 1` through psql on the host (through `launcher`, e.g.
    `nsenter --net=…` for an engine whose ports are in another network namespace)."""
    def check():
        p = subprocess.run([*launcher, "psql", url, "-qtAc", "SELECT 1"], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
        ok = p.returncode == 0 and p.stdout.strip() == "1"
        return ok, "" if ok else (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
    return check


def dotenv(path: str) -> dict:
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    out[k] = v.strip('"')
    return out
