"""The floor of a cold start: `docker compose up -d`, then host polling every 10 ms with the same
protocol probes devenv uses (Postgres: a StartupMessage answered by an authentication request;
Redis: AUTH + PING answered by +PONG) until every service answers. Timed in-process, like the
devenv side (`timed.run`), so neither pays an extra interpreter start."""
import socket
import struct
import subprocess
import time

POLL = 0.010


def postgres_ready(port: int, user: str, database: str) -> bool:
    """A StartupMessage (protocol 3.0); an 'R' (authentication request) means ready."""
    body = struct.pack("!I", 196608) + b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                                                for k, v in (("user", user), ("database", database))) + b"\0"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(struct.pack("!I", len(body) + 4) + body)
            return s.recv(1)[:1] == b"R"
    except OSError:
        return False


def redis_ready(port: int, password: str) -> bool:
    """AUTH + PING; +PONG means ready (a loading server answers -LOADING)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            data = b""
            while data.count(b"\r\n") < 2:
                chunk = s.recv(256)
                if not chunk:
                    return False
                data += chunk
            return data.split(b"\r\n")[1] == b"+PONG"
    except OSError:
        return False


def cold_start(compose_up: list[str], probes: dict, env: dict, cwd: str, timeout: float = 300) -> float:
    """Seconds from spawning `compose_up` until every probe (name → zero-argument callable)
    answered, polling every 10 ms."""
    began = time.monotonic()
    subprocess.run(compose_up, env=env, cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    waiting = dict(probes)
    deadline = began + timeout
    while waiting:
        tick = time.monotonic()
        for name in [n for n, probe in waiting.items() if probe()]:
            del waiting[name]
        if not waiting:
            break
        if tick > deadline:
            raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
        rest = POLL - (time.monotonic() - tick)
        if rest > 0:
            time.sleep(rest)
    return time.monotonic() - began
