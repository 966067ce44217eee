"""An MCP client for devenv's end-to-end tests (Tests/EndToEndTests/MCPTests.swift), on the
official MCP Python SDK (PyPI `mcp`, installed by Tests/testbed/mcp.sh).

    python client.py session   DEVENV PROJECT_DIR
    python client.py worktrees DEVENV WORKTREE_A WORKTREE_B
    python client.py trust     DEVENV PROJECT_DIR

Each scenario starts `DEVENV mcp` in the folder(s) as an agent's client would, talks to it
through the SDK's ClientSession, and prints one JSON object of what it saw (results, errors,
progress counts) on stdout; the Swift test asserts on it. Every step is recorded, so a failing
step shows the server's own words. Exits 0 unless the client itself breaks.
"""
import fcntl
import json
import os
import subprocess
import sys

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError


def server(devenv, cwd):
    return StdioServerParameters(command=devenv, args=["mcp"], cwd=cwd, env=dict(os.environ))


async def call(session, name, arguments=None, progress=None):
    """A tool call as a plain record: {ok, error_code?, message?, structured, text, progress}."""
    seen = []

    async def on_progress(value, total, message):
        seen.append(message)

    try:
        r = await session.call_tool(name, arguments or {}, progress_callback=on_progress if progress else None)
    except MCPError as e:
        return {"protocol_error": e.error.code, "message": e.error.message}
    text = "\n".join(c.text for c in r.content if getattr(c, "type", "") == "text")
    return {"is_error": bool(r.is_error), "structured": r.structured_content, "text": text, "progress": seen}


async def read(session, uri):
    r = await session.read_resource(uri)
    return json.loads(r.contents[0].text)


def psql(url, sql):
    p = subprocess.run(["psql", url, "-tAc", sql], capture_output=True, text=True, timeout=60)
    return {"status": p.returncode, "stdout": p.stdout.strip(), "stderr": p.stderr.strip()}


def raw_malformed(devenv, cwd):
    """Malformed JSON cannot be sent through an SDK: written by hand on the server's stdin,
    between an initialize and a tools/list, whose answer shows the server still serves."""
    p = subprocess.Popen([devenv, "mcp"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
    ]
    for m in lines:
        p.stdin.write(json.dumps(m) + "\n")
    p.stdin.write('{"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {\n')   # cut short
    p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}) + "\n")
    p.stdin.flush()
    answers = []
    while len(answers) < 3:
        line = p.stdout.readline()
        if not line:
            break
        answers.append(json.loads(line))
    p.stdin.close()
    code = p.wait(timeout=30)
    return {"answers": [{"id": a.get("id"), "error": a.get("error", {}).get("code"), "tools": len(a.get("result", {}).get("tools", []))}
                        for a in answers], "exit": code}


async def session_scenario(devenv, root):
    out = {}
    async with stdio_client(server(devenv, root)) as (r, w):
        async with ClientSession(r, w) as s:
            init = await s.initialize()
            out["server"] = {"name": init.server_info.name, "protocol": init.protocol_version}
            out["tools"] = sorted(t.name for t in (await s.list_tools()).tools)
            out["schemas"] = {t.name: t.input_schema for t in (await s.list_tools()).tools}
            out["resources"] = sorted(str(x.uri) for x in (await s.list_resources()).resources)
            out["manifest"] = await read(s, "devenv://manifest")
            out["kinds"] = [k["name"] for k in (await read(s, "devenv://kinds"))["kinds"]]

            out["up"] = await call(s, "up", {"timeout": 300}, progress=True)
            out["status"] = await call(s, "status")
            out["status_revealed"] = await call(s, "status", {"reveal": True})
            services = {x["name"]: x for x in out["status_revealed"]["structured"]["services"]}
            out["psql_via_url"] = psql(services["postgres"]["url"], "select 41 + 1")
            out["run"] = await call(s, "run", {"command": ["psql", "-tAc", "select 1"], "timeout": 60})
            out["run_timeout"] = await call(s, "run", {"command": ["sleep", "30"], "timeout": 1})
            out["run_capped"] = await call(s, "run", {"command": ["sh", "-c", "yes devenv | head -c 100000"], "max_output_bytes": 1000})
            out["env"] = await read(s, "devenv://env")
            out["env_revealed"] = await read(s, "devenv://env/revealed")
            out["ports"] = await call(s, "ports")
            out["logs"] = await call(s, "logs", {"service": "postgres", "tail": 5})
            out["doctor"] = await call(s, "doctor")

            # Bad requests: each answered, and the server keeps serving.
            out["bad_unknown_tool"] = await call(s, "teleport", {})
            out["bad_types"] = await call(s, "logs", {"tail": "five", "service": 3})
            out["bad_missing"] = await call(s, "snapshot_save", {})
            out["bad_down_volumes"] = await call(s, "down", {"volumes": True})
            out["bad_reset"] = await call(s, "reset", {"service": "postgres"})
            out["bad_restore"] = await call(s, "snapshot_restore", {"name": "x"})
            stack = out["status"]["structured"]["stack"]
            lock_path = os.path.join(os.environ["DEVENV_HOME"], "stacks", stack, "lock")
            with open(lock_path, "a") as held:   # as a running `devenv up` holds it
                fcntl.flock(held, fcntl.LOCK_EX)
                out["locked_up"] = await call(s, "up", {})
                out["locked_status"] = await call(s, "status")
            out["after_bad"] = await call(s, "status")
            out["snapshot_save"] = await call(s, "snapshot_save", {"name": "mcp-e2e"})
            out["down"] = await call(s, "down")
            out["after_down"] = await call(s, "status")
    out["malformed"] = raw_malformed(devenv, root)
    return out


async def worktrees_scenario(devenv, a, b):
    out = {}
    async with stdio_client(server(devenv, a)) as (ra, wa), stdio_client(server(devenv, b)) as (rb, wb):
        async with ClientSession(ra, wa) as sa, ClientSession(rb, wb) as sb:
            await sa.initialize()
            await sb.initialize()
            results = {}

            async def up(name, s):
                results[name] = await call(s, "up", {"fresh": True, "timeout": 300})

            async with anyio.create_task_group() as tg:   # both servers at once
                tg.start_soon(up, "a", sa)
                tg.start_soon(up, "b", sb)
            out["up_a"], out["up_b"] = results["a"], results["b"]
            out["status_a"] = (await call(sa, "status", {"reveal": True}))["structured"]
            out["status_b"] = (await call(sb, "status", {"reveal": True}))["structured"]
            out["write_a"] = await call(sa, "run", {"command": ["psql", "-v", "ON_ERROR_STOP=1", "-qc",
                                                                "CREATE TABLE only_in_a (t text); INSERT INTO only_in_a VALUES ('a')"]})
            out["read_a"] = await call(sa, "run", {"command": ["psql", "-tAc", "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"]})
            out["read_b"] = await call(sb, "run", {"command": ["psql", "-tAc", "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"]})
            out["down_a"] = await call(sa, "down")
            out["down_b"] = await call(sb, "down")
    return out


async def trust_scenario(devenv, root):
    """up in a project whose devenv.yml has host commands nobody trusted."""
    async with stdio_client(server(devenv, root)) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            return {"up": await call(s, "up", {})}


def main():
    scenario, devenv, *dirs = sys.argv[1:]
    if scenario == "session":
        out = anyio.run(session_scenario, devenv, *dirs)
    elif scenario == "trust":
        out = anyio.run(trust_scenario, devenv, *dirs)
    elif scenario == "worktrees":
        out = anyio.run(worktrees_scenario, devenv, *dirs)
    else:
        sys.exit(f"unknown scenario {scenario}")
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main()
