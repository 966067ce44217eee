"""Whether this devenv build has a feature yet (issues land in parallel): a case whose
command is missing is reported as "not available yet", never given a number.
Read from ArgumentParser's command tree (`devenv --experimental-dump-help`)."""
import json

from .workspace import Workspace


def has_command(ws: Workspace, project: str, *words: str, options: tuple[str, ...] = ()) -> tuple[bool, str]:
    """True when `devenv WORDS…` exists and takes every `--option` in `options`; else why not."""
    p = ws.devenv_run(project, "--experimental-dump-help", check=False)
    try:
        node = json.loads(p.stdout)["command"]
    except (json.JSONDecodeError, KeyError):
        return False, f"could not read devenv's command tree (`devenv --experimental-dump-help` exited {p.returncode})"
    path = "devenv"
    for word in words:
        subs = node.get("subcommands") or []
        match = next((s for s in subs if s.get("commandName") == word), None)
        if match is None:
            known = ", ".join(s.get("commandName", "?") for s in subs if s.get("commandName") != "help")
            return False, f"`{path} {word}` is not in this build (`{path}` has: {known})"
        node, path = match, f"{path} {word}"
    flags = {n.get("name") for a in node.get("arguments") or [] for n in a.get("names") or [] if n.get("kind") == "long"}
    missing = [o for o in options if o.lstrip("-") not in flags]
    if missing:
        return False, f"`{path}` does not take {', '.join(missing)} in this build"
    return True, ""
