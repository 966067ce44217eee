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
    # A command with a default subcommand (`devenv ports` → `list`) takes that one's flags too.
    default = next((s for s in node.get("subcommands") or [] if s.get("commandName") == node.get("defaultSubcommand")), None)
    args = (node.get("arguments") or []) + ((default or {}).get("arguments") or [])
    flags = {n.get("name") for a in args for n in a.get("names") or [] if n.get("kind") == "long"}
    missing = [o for o in options if o.lstrip("-") not in flags]
    if missing:
        return False, f"`{path}` does not take {', '.join(missing)} in this build"
    return True, ""
