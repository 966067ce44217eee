"""A throwaway place to benchmark in: a temp dir holding the projects and DEVENV_HOME, an
environment for devenv, and a teardown that removes every container, volume and network
whose `dev.devenv.root` label points inside it (so nothing else on the engine is touched)."""
import os
import shutil
import subprocess
import tempfile

from . import shell

PORT_RANGE = os.environ.get("DEVENV_PORT_RANGE", "22000-22999")


class Workspace:
    def __init__(self, devenv: str, templates: str):
        self.root = tempfile.mkdtemp(prefix="devenv-bench-")
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        self.devenv = devenv
        self.env = dict(os.environ)
        self.env.update({"DEVENV_HOME": self.home, "DEVENV_PORT_RANGE": PORT_RANGE,
                         "DEVENV_TEMPLATES": templates, "NO_COLOR": "1"})
        self.projects: list[str] = []

    def project(self, name: str, manifest: str, git_branch: str | None = None) -> str:
        """A project folder with `devenv.yml`; a git repository on `git_branch` when given."""
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
        return path

    def devenv_run(self, project: str, *args: str, check: bool = True, stdin_file: str | None = None,
                   timeout: float | None = 600) -> subprocess.CompletedProcess:
        return shell.run([self.devenv, *args], env=self.env, cwd=project, check=check,
                         stdin_file=stdin_file, timeout=timeout)

    def teardown(self) -> None:
        for project in self.projects:
            label = f"label=dev.devenv.root={project}"
            for kind, ls, rm in (("container", ["docker", "ps", "-aq"], ["docker", "rm", "-f", "-v"]),
                                 ("volume", ["docker", "volume", "ls", "-q"], ["docker", "volume", "rm", "-f"]),
                                 ("network", ["docker", "network", "ls", "-q"], ["docker", "network", "rm"])):
                ids = shell.run(ls + ["--filter", label], check=False).stdout.split()
                if ids:
                    shell.run(rm + ids, check=False)
        shutil.rmtree(self.root, ignore_errors=True)
