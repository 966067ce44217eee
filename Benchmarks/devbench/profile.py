"""Where one devenv run spends its time, from a process/socket trace
(`strace -f -tt -e trace=execve,connect`): its own work before it spawns anything, the
`docker` CLI before the compose plugin runs, compose itself, waiting for the services
(connects to 127.0.0.1), and what follows. strace slows process creation, so the spans are
for proportions, not for the table."""
import os
import re
import shutil
import subprocess
import tempfile
from datetime import datetime

LINE = re.compile(r"^(\d+)\s+(\d\d:\d\d:\d\d\.\d+) (.*)$")
EXEC = re.compile(r'execve\("([^"]+)", \[(.*?)\]')
EXITED = re.compile(r"\+\+\+ exited with (\d+) \+\+\+")
PROBE = re.compile(r"connect\(\d+, \{sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\(\"127\.0\.0\.1\"\)")
ENGINE = re.compile(r'connect\(\d+, \{sa_family=AF_UNIX, sun_path="[^"]*docker\.sock"')


def available() -> bool:
    return shutil.which("strace") is not None


def _t(s: str) -> float:
    return (datetime.strptime(s, "%H:%M:%S.%f") - datetime(1900, 1, 1)).total_seconds()


def trace(argv: list[str], *, env: dict, cwd: str) -> list[str]:
    """Runs `argv` under strace and returns the spans as lines."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as out:
        p = subprocess.run(["strace", "-f", "-tt", "-s", "256", "-e", "trace=execve,connect", "-o", out.name, *argv],
                           env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            return [f"(the traced run exited {p.returncode}: {p.stderr.strip()[-200:]})"]
        with open(out.name) as f:
            return spans(f.read().splitlines(), main_exe=os.path.realpath(argv[0]))


def spans(lines: list[str], main_exe: str) -> list[str]:
    execs: dict[int, tuple[float, str, str]] = {}    # pid → (time, path, argv text) of its exec
    exits: dict[int, tuple[float, int]] = {}
    probes: list[float] = []
    engine_calls = 0
    start = end = None
    main_pid = None
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        pid, t, rest = int(m.group(1)), _t(m.group(2)), m.group(3)
        if start is None:
            start, main_pid = t, pid
        if e := EXEC.search(rest):
            if "ENOENT" not in rest:
                execs[pid] = (t, e.group(1), e.group(2))
        elif x := EXITED.search(rest):
            exits[pid] = (t, int(x.group(1)))
            if pid == main_pid:
                end = t
        elif PROBE.search(rest):
            probes.append(t)
        elif ENGINE.search(rest):
            engine_calls += 1
    if start is None or end is None:
        return ["(no trace)"]
    ms = lambda a, b: f"{(b - a) * 1000:.0f} ms"
    failed = sum(1 for pid, (_, code) in exits.items() if code == 127 and pid not in execs)
    docker = sorted((t, pid) for pid, (t, path, args) in execs.items()
                    if path.endswith("/docker") and '"compose"' in args)
    plugin = sorted((t, pid) for pid, (t, path, args) in execs.items()
                    if path.endswith("docker-compose") and "docker-cli-plugin-metadata" not in args)
    out = [f"total {ms(start, end)} under strace; {engine_calls} Engine API connections; "
           f"{len(probes)} probe connections to 127.0.0.1"]
    if failed:
        out.append(f"{failed} spawned children exited 127 without running anything — the process runner "
                   "tries each $PATH entry in its own fork+exec until it finds `docker`")
    if docker:
        d0, dpid = docker[0]
        out.append(f"devenv's own work before it spawns compose: {ms(start, d0)}")
        if plugin:
            p0, ppid = plugin[0]
            out.append(f"`docker` CLI until the compose plugin starts (CLI start + plugin metadata call): {ms(d0, p0)}")
            if ppid in exits:
                out.append(f"compose plugin: {ms(p0, exits[ppid][0])}")
        after = exits.get(dpid, (d0, 0))[0]
    else:
        after = start
        out.append("compose not run")
    if probes:
        first = min(p for p in probes if p >= after) if any(p >= after for p in probes) else probes[0]
        out.append(f"from {'compose exit' if docker else 'start'} to the first probe: {ms(after, first)}")
        out.append(f"probing until the last service answered: {ms(first, max(probes))} ({len(probes)} connections)")
        out.append(f"after the last probe until exit (.env, status, Engine API reads): {ms(max(probes), end)}")
    return out
