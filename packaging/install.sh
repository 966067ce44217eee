#!/bin/sh
# Install devenv from a release archive: no Swift toolchain, no root needed.
#
#   curl -fsSL https://github.com/devenv-sh/devenv/releases/latest/download/install.sh -o install.sh
#   sh install.sh                      # or: sh install.sh --help
#
# It picks the archive for this OS and architecture, downloads it with its .sha256 (or copies
# both from a folder, --from DIR), checks the checksum, and installs bin/devenv (its service
# kinds are compiled in), the shell completions and the man page under a prefix: ~/.local
# without root, /usr/local as root. Nothing it downloads is ever run by a shell; only the
# installed binary is run once, for `devenv --version`.
set -eu

# Where releases live. The release workflow publishes this file with each release.
DEVENV_GITHUB_OWNER=devenv-sh
DEVENV_GITHUB_REPO=devenv
DEVENV_DEFAULT_VERSION=0.1.0            # `make dist` writes the version being released here
DEVENV_TARGETS="linux-x86_64 linux-aarch64 macos-universal"

me=install.sh
usage() {
    cat <<EOF
Usage: sh $me [--version V] [--from DIR] [--prefix DIR] [--base-url URL]

Installs devenv from its release archive, after checking the archive's sha256.

  --version V     the release to install (default: $DEVENV_DEFAULT_VERSION, or the only
                  one in --from DIR)
  --from DIR      take devenv-V-TARGET.tar.gz and its .sha256 from DIR instead of downloading
  --prefix DIR    install into DIR/bin and DIR/share (default: /usr/local as root,
                  ~/.local otherwise)
  --base-url URL  download from URL/devenv-V-TARGET.tar.gz (default: \$DEVENV_BASE_URL, else
                  https://github.com/$DEVENV_GITHUB_OWNER/$DEVENV_GITHUB_REPO/releases/download/vV)
  -h, --help      this text

Targets: $DEVENV_TARGETS.
Environment: DEVENV_BASE_URL; DEVENV_INSTALL_OS and DEVENV_INSTALL_ARCH override uname
(for tests).
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { printf '%s: error: %s\n' "$me" "$*" >&2; exit 1; }

# --- arguments -------------------------------------------------------------------------------
version=${DEVENV_VERSION:-}
from=
prefix=
base_url=${DEVENV_BASE_URL:-}
need_value() { [ "$2" -ge 2 ] || { warn "$1 needs a value"; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case $1 in
        --version) need_value "$1" $#; version=$2; shift 2 ;;
        --version=*) version=${1#*=}; shift ;;
        --from) need_value "$1" $#; from=$2; shift 2 ;;
        --from=*) from=${1#*=}; shift ;;
        --prefix) need_value "$1" $#; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#*=}; shift ;;
        --base-url) need_value "$1" $#; base_url=$2; shift 2 ;;
        --base-url=*) base_url=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) warn "unknown argument: $1"; usage >&2; exit 2 ;;
    esac
done
version=${version#v}
if [ -n "$from" ]; then
    [ -d "$from" ] || die "--from $from: no such folder"
    from=$(cd "$from" && pwd)
fi

# --- which archive ---------------------------------------------------------------------------
os=${DEVENV_INSTALL_OS:-$(uname -s)}
arch=${DEVENV_INSTALL_ARCH:-$(uname -m)}
case $os in
    Linux|linux) os=linux ;;
    Darwin|darwin|macos) os=macos ;;
esac
case $arch in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
esac
case $os in
    macos) case $arch in x86_64|aarch64) target=macos-universal ;; *) target= ;; esac ;;
    linux) case $arch in x86_64|aarch64) target=linux-$arch ;; *) target= ;; esac ;;
    *) target= ;;
esac

# The archives in --from DIR, one per line (none: nothing printed).
archives_in() {
    for f in "$1"/devenv-*.tar.gz; do [ -f "$f" ] && printf '  %s\n' "${f##*/}"; done
    return 0
}
no_archive() {   # $1: why
    if [ -n "$from" ]; then
        found=$(archives_in "$from")
        if [ -n "$found" ]; then
            die "$1. The archives in $from are:
$found"
        fi
        die "$1, and $from holds no devenv-*.tar.gz archive."
    fi
    known=
    for t in $DEVENV_TARGETS; do known="$known
  devenv-${version:-$DEVENV_DEFAULT_VERSION}-$t.tar.gz"; done
    die "$1. The releases have archives for:$known"
}
[ -n "$target" ] || no_archive "there is no devenv archive for $os on $arch"

if [ -z "$version" ] && [ -n "$from" ]; then
    # The version of the one archive for this target in the folder.
    n=0
    for f in "$from"/devenv-*-"$target".tar.gz; do
        [ -f "$f" ] || continue
        n=$((n + 1)); v=${f##*/devenv-}; version=${v%-"$target".tar.gz}
    done
    [ "$n" -le 1 ] || die "$from holds $n archives for $target; say which with --version V"
fi
version=${version:-$DEVENV_DEFAULT_VERSION}
name=devenv-$version-$target
archive=$name.tar.gz

# --- fetch -----------------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/devenv-install.XXXXXX") || die "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

download() {   # $1 URL, $2 file
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        die "neither curl nor wget is installed; install one, or download $archive and $archive.sha256 into a folder and run: sh $me --from FOLDER"
    fi
}

if [ -n "$from" ]; then
    [ -f "$from/$archive" ] || no_archive "$from has no $archive"
    [ -f "$from/$archive.sha256" ] || die "$from has $archive but not $archive.sha256; refusing to install an archive that cannot be checked"
    cp "$from/$archive" "$from/$archive.sha256" "$tmp/"
    say "Installing devenv $version ($target) from $from"
else
    base_url=${base_url:-https://github.com/$DEVENV_GITHUB_OWNER/$DEVENV_GITHUB_REPO/releases/download/v$version}
    base_url=${base_url%/}
    say "Downloading $base_url/$archive"
    download "$base_url/$archive" "$tmp/$archive" \
        || die "could not download $base_url/$archive: no such release, or no network (sh $me --help)"
    download "$base_url/$archive.sha256" "$tmp/$archive.sha256" \
        || die "could not download $base_url/$archive.sha256; refusing to install an archive that cannot be checked"
fi

# --- verify ----------------------------------------------------------------------------------
if command -v sha256sum >/dev/null 2>&1; then sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then sha256_of() { shasum -a 256 "$1" | cut -d' ' -f1; }
elif command -v openssl >/dev/null 2>&1; then sha256_of() { openssl dgst -sha256 "$1" | sed 's/.*= *//'; }
else die "no sha256 tool (sha256sum, shasum or openssl) to check $archive with; nothing was installed"
fi
expected=$(sed -n '1s/^\([0-9a-fA-F]\{64\}\).*/\1/p' "$tmp/$archive.sha256" | tr 'A-F' 'a-f')
[ -n "$expected" ] || die "$archive.sha256 does not hold a sha256; nothing was installed"
actual=$(sha256_of "$tmp/$archive")
if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $archive: expected $expected, got $actual. The download is damaged or not the published archive; nothing was installed."
fi
say "Checksum OK (sha256 $actual)"

mkdir "$tmp/x"
tar -xzf "$tmp/$archive" -C "$tmp/x" || die "cannot unpack $archive; nothing was installed"
src=$tmp/x/$name
[ -f "$src/bin/devenv" ] || die "$archive has no $name/bin/devenv; nothing was installed"

# --- install ---------------------------------------------------------------------------------
if [ -z "$prefix" ]; then
    if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix=${HOME:?HOME is not set}/.local; fi
fi
bindir=$prefix/bin
sharedir=$prefix/share
mkdir -p "$bindir" 2>/dev/null || die "cannot create $bindir (run as root, or choose a folder with --prefix DIR)"
[ -w "$bindir" ] || die "cannot write to $bindir (run as root, or choose a folder with --prefix DIR)"

# Copy next to the target, then rename: a devenv that is running keeps its old file.
cp "$src/bin/devenv" "$bindir/.devenv.new.$$"
chmod 0755 "$bindir/.devenv.new.$$"
mv -f "$bindir/.devenv.new.$$" "$bindir/devenv"

# The service kinds are compiled into the binary: an earlier release's <prefix>/share/devenv
# (its templates folder, which nothing reads any more) goes.
if [ -d "$sharedir/devenv/templates" ]; then
    rm -rf "$sharedir/devenv/templates" 2>/dev/null || warn "could not remove $sharedir/devenv/templates (not used any more)"
    rmdir "$sharedir/devenv" 2>/dev/null || true
fi

# Completions and the man page, where the prefix's share/ is writable.
extras=
put() {   # $1 file in the archive's share/, $2 mode
    [ -f "$src/share/$1" ] || return 0
    dir=$sharedir/${1%/*}
    if mkdir -p "$dir" 2>/dev/null && cp "$src/share/$1" "$sharedir/$1" 2>/dev/null; then
        chmod "$2" "$sharedir/$1"; extras="$extras $1"
    else
        warn "skipped $sharedir/$1 (not writable)"
    fi
}
put bash-completion/completions/devenv 0644
put zsh/site-functions/_devenv 0644
put fish/vendor_completions.d/devenv.fish 0644
put man/man1/devenv.1 0644

installed=$("$bindir/devenv" --version 2>&1) \
    || die "installed $bindir/devenv, but it does not run: $installed"
say "Installed devenv $installed to $bindir/devenv"
[ -z "$extras" ] || say "  with completions and man page under $sharedir"

# --- after -----------------------------------------------------------------------------------
case :${PATH:-}: in
    *:"$bindir":*|*:"$bindir/":*)
        found=$(command -v devenv 2>/dev/null || true)
        if [ -n "$found" ] && [ "$found" != "$bindir/devenv" ]; then
            warn "$found comes before $bindir/devenv in PATH; remove it, or put $bindir first"
        fi
        ;;
    *)
        case $bindir in "$HOME"/*) shown="\$HOME${bindir#"$HOME"}" ;; *) shown=$bindir ;; esac
        say ""
        say "$bindir is not on your PATH. Add it:"
        case ${SHELL:-} in
            */zsh) say "  echo 'export PATH=\"$shown:\$PATH\"' >> ~/.zshrc && exec zsh" ;;
            */fish) say "  fish_add_path $bindir" ;;
            */bash) say "  echo 'export PATH=\"$shown:\$PATH\"' >> ~/.bashrc && exec bash" ;;
            *) say "  export PATH=\"$shown:\$PATH\"    # in your shell's startup file" ;;
        esac
        ;;
esac
if ! command -v docker >/dev/null 2>&1; then
    say ""
    say "devenv runs its services on a Docker engine with compose v2: install Docker Desktop,"
    say "OrbStack, Colima, or Docker Engine with its compose plugin."
elif ! docker compose version >/dev/null 2>&1; then
    say ""
    say "devenv needs compose v2 (\`docker compose\`): install the docker compose plugin."
fi
say ""
say "Next: in a project, \`devenv init\` then \`devenv up\`."
