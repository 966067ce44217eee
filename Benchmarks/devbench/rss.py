"""Peak resident memory of one run of a command, two ways:
- `tree_mb`: the kernel's ru_maxrss from wait4 — what `/usr/bin/time -v` prints as "Maximum
  resident set size"; it is the largest of the process and every child it waited for (so a
  `docker compose` child counts);
- `own_mb`: the process's own high-water mark (VmHWM in /proc/PID/status), sampled every
  5 ms once it runs the command's binary, until it exits. A process too short-lived to be
  sampled gets None: then `tree_mb` is the bound to use."""
import os
import subprocess
import tempfile
import time


def _own_hwm_kb(pid: int, exe: str) -> int | None:
    try:
        if os.readlink(f"/proc/{pid}/exe") != exe:       # still the forked python, before exec
            return None
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb(argv: list[str], *, env: dict, cwd: str, stdin_file: str | None = None) -> dict:
    exe = os.path.realpath(argv[0])
    stdin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    errors = tempfile.TemporaryFile()
    own = None
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=errors)
        while True:
            sample = _own_hwm_kb(proc.pid, exe)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if sample is not None:
                own = max(own or 0, sample)
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        err = errors.read().decode(errors="replace")
    finally:
        errors.close()
        if stdin_file:
            stdin.close()
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` exited {proc.returncode}: {err.strip()[-400:]}")
    return {"own_mb": round(own / 1024, 1) if own else None, "tree_mb": round(usage.ru_maxrss / 1024, 1)}
