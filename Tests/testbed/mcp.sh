#!/usr/bin/env bash
# The test bed's MCP client: the official MCP Python SDK (PyPI `mcp`, pinned) in a virtualenv
# of its own (its pydantic and anyio stay out of the system's Python), for the end-to-end tests
# of `devenv mcp` (Tests/EndToEndTests/MCPTests.swift runs Tests/mcp/client.py with it).
# Idempotent and cached: nothing is done when the venv already imports the pinned version.
# The venv: $DEVENV_MCP_VENV, default ~/.cache/devenv-testbed/mcp-venv. Prints its python.
set -euo pipefail
say() { printf 'testbed: %s\n' "$*" >&2; }
version=2.3.0
venv=${DEVENV_MCP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/devenv-testbed/mcp-venv}

if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$version')" >/dev/null 2>&1; then
    say "installing the MCP Python SDK (PyPI mcp==$version) in $venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "mcp==$version" >&2
fi
"$venv/bin/python" -c 'import mcp.client.stdio' >/dev/null \
    || { echo "testbed: the MCP SDK in $venv does not import" >&2; exit 1; }
echo "$venv/bin/python"
