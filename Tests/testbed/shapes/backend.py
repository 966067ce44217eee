#!/usr/bin/python3
"""A stand-in for Docker Desktop's host side (Tests/testbed/engine-shapes.sh).

Docker Desktop runs its engine in a VM; the host reaches a published port only through a
forwarder process named `com.docker.backend` that listens on the host's 127.0.0.1:PORT and
relays into the VM. Here the "VM" is a network namespace with its own dockerd.

    backend.py watch --engine SOCKET --netns FILE [--python PATH]
        Follows the engine's container events (`docker events`, plus a look every few seconds
        for anything missed) and keeps one forwarder per TCP port that a running container
        publishes on the namespace's 127.0.0.1 (or every address): starts one when a port is
        published, stops it (SIGTERM) when the port is gone, starts it again if it died while
        the port is still published. Logs to stderr.

    com.docker.backend backend.py forward PORT NETNS
        The forwarder (the watcher starts it so, with argv[0] `com.docker.backend`; it also
        names its thread so, so /proc/PID/comm reads `com.docker.back`, the kernel's 15
        characters). Listens on the host's 127.0.0.1:PORT, then enters NETNS and relays every
        connection to 127.0.0.1:PORT there.

Only the Python standard library; only 127.0.0.1 and the namespace are ever connected to.
"""
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

FORWARDER_NAME = "com.docker.backend"
CLONE_NEWNET = 0x40000000
PR_SET_NAME = 15


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


# --- the forwarder -----------------------------------------------------------------------

def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay(client, port):
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
        upstream.settimeout(None)
    except OSError as e:
        log(f"forward {port}: cannot reach 127.0.0.1:{port} in the namespace: {e}")
        client.close()
        return
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def forward(port, netns):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(FORWARDER_NAME.encode()), 0, 0, 0)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))      # in the host's namespace: this is what devenv sees
    listener.listen(128)
    fd = os.open(netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:     # every socket made from here on is in the namespace
        err = ctypes.get_errno()
        sys.exit(f"forward {port}: setns {netns}: {os.strerror(err)}")
    os.close(fd)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=relay, args=(client, port), daemon=True).start()


# --- the watcher -------------------------------------------------------------------------

class Engine:
    def __init__(self, sock):
        self.sock = sock

    def get(self, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.sock)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
        s.close()
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            raise OSError(f"GET {path}: HTTP {status}")
        return json.loads(body)

    def published(self):
        """TCP ports running containers publish on 127.0.0.1 or every address."""
        ports = set()
        for c in self.get("/containers/json"):
            for p in c.get("Ports") or []:
                if p.get("Type") == "tcp" and p.get("PublicPort") and p.get("IP", "") in ("127.0.0.1", "0.0.0.0", "", "::"):
                    ports.add(int(p["PublicPort"]))
        return ports


class Watcher:
    def __init__(self, engine, netns, python, script):
        self.engine = engine
        self.netns = netns
        self.python = python
        self.script = script
        self.forwarders = {}   # port -> Popen

    def start(self, port):
        p = subprocess.Popen([FORWARDER_NAME, self.script, "forward", str(port), self.netns],
                             executable=self.python, stdin=subprocess.DEVNULL, close_fds=True,
                             start_new_session=True)
        self.forwarders[port] = p
        log(f"port {port} published: forwarder pid {p.pid}")

    def stop(self, port):
        p = self.forwarders.pop(port)
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log(f"port {port} no longer published: forwarder pid {p.pid} stopped")

    def reconcile(self):
        try:
            want = self.engine.published()
        except (OSError, ValueError) as e:
            log(f"engine not answering: {e}")
            return
        for port in sorted(set(self.forwarders) - want):
            self.stop(port)
        for port in sorted(want):
            p = self.forwarders.get(port)
            if p is not None and p.poll() is not None:
                log(f"forwarder pid {p.pid} for port {port} ended (status {p.returncode}); starting another")
                del self.forwarders[port]
                p = None
            if p is None:
                self.start(port)

    def stop_all(self, *_):
        for port in list(self.forwarders):
            self.stop(port)
        sys.exit(0)

    def run(self):
        signal.signal(signal.SIGTERM, self.stop_all)
        signal.signal(signal.SIGINT, self.stop_all)
        env = dict(os.environ, DOCKER_HOST="unix://" + self.engine.sock, DOCKER_CONTEXT="")
        while True:
            events = subprocess.Popen(["docker", "events", "--filter", "type=container", "--format", "{{.Status}}"],
                                      env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
            self.reconcile()   # after subscribing: nothing published meanwhile is missed
            while True:
                ready, _, _ = select.select([events.stdout], [], [], 3)
                if ready:
                    line = events.stdout.readline()
                    if not line:
                        break   # the engine went away: subscribe again
                self.reconcile()   # on every event, and every few seconds for anything missed
            events.wait()
            time.sleep(1)


def main(argv):
    if len(argv) >= 4 and argv[1] == "forward":
        forward(int(argv[2]), argv[3])
        return
    if len(argv) >= 2 and argv[1] == "watch":
        opts = dict(zip(argv[2::2], argv[3::2]))
        engine = Engine(opts["--engine"])
        Watcher(engine, opts["--netns"], opts.get("--python", "/usr/bin/python3"), os.path.abspath(__file__)).run()
        return
    sys.exit("usage: backend.py watch --engine SOCKET --netns FILE [--python PATH] | backend.py forward PORT NETNS")


if __name__ == "__main__":
    main(sys.argv)
