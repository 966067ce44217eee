"""Running helper commands (not the timed ones): output captured, failures explained."""
import subprocess


class CommandError(RuntimeError):
    pass


def run(argv: list[str], *, env: dict | None = None, cwd: str | None = None, check: bool = True,
        stdin_file: str | None = None, timeout: float | None = 600) -> subprocess.CompletedProcess:
    stdin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, stdin=stdin, capture_output=True, text=True, timeout=timeout)
    finally:
        if stdin_file:
            stdin.close()
    if check and p.returncode != 0:
        tail = "\n".join((p.stderr or p.stdout).strip().splitlines()[-15:])
        raise CommandError(f"`{' '.join(argv)}` exited {p.returncode}:\n{tail}")
    return p


def first_line(p: subprocess.CompletedProcess) -> str:
    text = (p.stderr or "").strip() or (p.stdout or "").strip()
    return text.splitlines()[0] if text else f"exit {p.returncode}"
