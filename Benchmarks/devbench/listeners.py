"""A helper process holding N TCP listeners on 127.0.0.1 (the `ports` case).
Run: python3 -m devbench.listeners N — prints `ready` once every socket listens, then holds
them until stdin closes or it is terminated."""
import contextlib
import resource
import socket
import subprocess
import sys


def hold(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY else want, hard))
    sockets = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        sockets.append(s)
    print("ready", flush=True)
    sys.stdin.read()


class Listeners(contextlib.AbstractContextManager):
    """Starts the helper and waits until it listens; stops it on exit."""

    def __init__(self, count: int, python: str = sys.executable, cwd: str | None = None):
        self.count, self.python, self.cwd = count, python, cwd
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        self.proc = subprocess.Popen([self.python, "-m", "devbench.listeners", str(self.count)], cwd=self.cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.__exit__(None, None, None)
            raise RuntimeError(f"the listener helper did not start ({line or 'no output'})")
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


if __name__ == "__main__":
    hold(int(sys.argv[1]))
