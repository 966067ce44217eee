"""A throwaway place to benchmark in: a temp dir holding the projects and DEVENV_HOME, an
environment for devenv, and a teardown that removes every container, volume and network
whose `dev.devenv.root` label points inside it, and the bases devenv took of its stacks (so
nothing else on the engine is touched). A project may live on another engine (its own
DOCKER_HOST): it is removed there."""
import os
import shutil
import subprocess
import tempfile

from . import shell

PORT_RANGE = os.environ.get("DEVENV_PORT_RANGE", "22000-22999")


class Workspace:
    def __init__(self, devenv: str):
        self.root = tempfile.mkdtemp(prefix="devenv-bench-")
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        self.devenv = devenv
        self.env = dict(os.environ)
        # The kinds compiled into the binary, as users run it: DEVENV_TEMPLATES would make every
        # kind a folder kind, read and checked in full at each command (the 2026-12-02 build,
        # which had no built-in kinds, needed it).
        self.env.update({"DEVENV_HOME": self.home, "DEVENV_PORT_RANGE": PORT_RANGE, "NO_COLOR": "1"})
        self.env.pop("DEVENV_TEMPLATES", None)
        self.projects: list[str] = []
        self.engines: dict[str, dict] = {}     # project folder → the environment that reaches its engine

    def project(self, name: str, manifest: str, git_branch: str | None = None, env: dict | None = None) -> str:
        """A project folder with `devenv.yml`; a git repository on `git_branch` when given.
        `env`: the environment of the engine its stacks run on (default: this workspace's)."""
        path = os.path.join(self.root, name)
        os.makedirs(path)
        with open(os.path.join(path, "devenv.yml"), "w") as f:
            f.write(manifest)
        if git_branch:
            git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
            shell.run(git + ["init", "-q", "-b", git_branch], cwd=path)
            shell.run(git + ["add", "devenv.yml"], cwd=path)
            shell.run(git + ["commit", "-q", "-m", "bench"], cwd=path)
        self.projects.append(path)
        self.engines[path] = env or self.env
        return path

    def devenv_run(self, project: str, *args: str, check: bool = True, stdin_file: str | None = None,
                   timeout: float | None = 600) -> subprocess.CompletedProcess:
        return shell.run([self.devenv, *args], env=self.env, cwd=project, check=check,
                         stdin_file=stdin_file, timeout=timeout)

    def remove(self, project: str) -> None:
        """Removes what the engine holds of `project`: containers, volumes and networks labelled
        with its folder, then the bases devenv took of its stacks (a base carries the project's
        name, `dev.devenv.project`, not its folder)."""
        env = self.engines.get(project, self.env)
        label = f"label=dev.devenv.root={project}"
        for kind, ls, rm in (("container", ["docker", "ps", "-aq"], ["docker", "rm", "-f", "-v"]),
                             ("volume", ["docker", "volume", "ls", "-q"], ["docker", "volume", "rm", "-f"]),
                             ("network", ["docker", "network", "ls", "-q"], ["docker", "network", "rm"])):
            ids = shell.run(ls + ["--filter", label], env=env, check=False).stdout.split()
            if ids:
                shell.run(rm + ids, env=env, check=False)
        bases = shell.run(["docker", "volume", "ls", "-q", "--filter", "label=dev.devenv.base-of",
                           "--filter", f"label=dev.devenv.project={os.path.basename(project)}"], env=env, check=False).stdout.split()
        if bases:
            shell.run(["docker", "volume", "rm", "-f", *bases], env=env, check=False)

    def teardown(self) -> None:
        for project in self.projects:
            self.remove(project)
        shutil.rmtree(self.root, ignore_errors=True)
