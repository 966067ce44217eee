#!/usr/bin/env bash
# `make dist`: the release files for this machine's platform, in dist/.
#
#   devenv-VERSION-TARGET.tar.gz   devenv-VERSION-TARGET/{bin/devenv, share/{completions, man page},
#                                  LICENSE, README.md}; the kinds are compiled into bin/devenv
#   devenv-VERSION-TARGET.tar.gz.sha256
#   devenv_VERSION_ARCH.deb        (Linux, when dpkg-deb is there)
#   install.sh                     (packaging/install.sh, its default version set to VERSION)
#
# TARGET is linux-x86_64, linux-aarch64 or (on a Mac, a universal binary) macos-universal.
# Environment: SWIFT (swift), SCRATCH (.build-release: the release build's own scratch path, so
# it never fights the debug build in .build), VERSION (default: DevenvKit's version),
# DIST (dist), NICE (nice -n 10; empty to build at full priority), SOURCE_DATE_EPOCH.
#
#   packaging/dist.sh --print-version     prints VERSION and exits
set -euo pipefail
cd "$(dirname "$0")/.."


swift=${SWIFT:-swift}
scratch=${SCRATCH:-.build-release}
dist=${DIST:-dist}
nice_cmd=${NICE-nice -n 10}

say() { printf 'dist: %s\n' "$*"; }
die() { printf 'dist: error: %s\n' "$*" >&2; exit 1; }
# Any other failing command names itself (make only shows the exit status).
failed() { printf 'dist: error: line %s failed (exit %s): %s\n' "$2" "$1" "$3" >&2; }
trap 'failed $? "$LINENO" "$BASH_COMMAND"' ERR

# The version: the library's own constant (`public static let current = "X"`), else the last tag.
source_version() {
    grep -rhoE -m1 'static let current = "[0-9][^"]*"' Sources/DevenvKit 2>/dev/null | sed -n -E '1s/.*"(.*)"/\1/p'
}
version=${VERSION:-$(source_version)}
[ -n "$version" ] || version=$(git describe --tags --abbrev=0 2>/dev/null | sed 's/^v//') || true
[ -n "$version" ] || die "cannot tell the version (set VERSION=…)"
if [ "${1:-}" = --print-version ]; then echo "$version"; exit 0; fi

case $(uname -s) in
    Linux)
        case $(uname -m) in
            x86_64|amd64) target=linux-x86_64 ;;
            aarch64|arm64) target=linux-aarch64 ;;
            *) die "no release target for Linux on $(uname -m)" ;;
        esac
        build_flags=(-c release --product devenv --static-swift-stdlib --scratch-path "$scratch")
        # libcurl stubs, ICU's data without legacy character sets, no exported symbols
        # (packaging/link-flags.sh says why); icu-check.sh shows the data behaves as the full data.
        link_flags=$(SWIFT=$swift bash packaging/link-flags.sh "$scratch") || die "cannot prepare the link (packaging/link-flags.sh)"
        read -r -a link_args <<<"$link_flags"
        build_flags+=("${link_args[@]}")
        SWIFT=$swift bash packaging/icu-check.sh "$scratch" || die "the release binary's ICU data does not behave as the full data (packaging/icu-check.sh)"
        ;;
    Darwin)
        target=macos-universal
        build_flags=(-c release --product devenv --arch arm64 --arch x86_64 --scratch-path "$scratch")
        ;;
    *) die "no release target for $(uname -s)" ;;
esac
name=devenv-$version-$target
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# 1. The man page is written by swift-argument-parser's generate-manual tool run on the binary. The tool
# is built by the package plugin (`swift package plugin generate-manual`), which then rebuilds
# every product in release mode without the static runtime: a second full build (about 10
# minutes here) for a page that only needs `devenv --experimental-dump-help`. So once the
# plugin's tool exists, the plugin is stopped (before the release build below, which redoes
# whatever the stopped build had started) and the tool is run on this build's binary. Without
# setsid (macOS), the plugin runs to its end: the second build is only time.
# `-print -quit`, not `| head`: under pipefail a second match would end find with SIGPIPE (141).
find_tool() { find "$scratch" -name generate-manual-tool -type f -perm -u+x -print -quit 2>/dev/null || true; }
# The linker writes the tool in place: it is ready when it runs, not when its file appears.
tool_runs() { [ -n "$1" ] && "$1" --help >/dev/null 2>&1; }
tool=$(find_tool)
if [ -z "$tool" ]; then
    say "building swift-argument-parser's generate-manual tool (through its package plugin)"
    log=$scratch/generate-manual.log
    if command -v setsid >/dev/null; then
        # A process group of its own, so that stopping it stops the build it started.
        # shellcheck disable=SC2086
        setsid $nice_cmd "$swift" package --scratch-path "$scratch" plugin generate-manual >"$log" 2>&1 &
        plugin=$!
        for _ in $(seq 1 1800); do
            tool=$(find_tool); ! tool_runs "$tool" || break
            kill -0 "$plugin" 2>/dev/null || break
            sleep 1
        done
        kill -TERM -- "-$plugin" 2>/dev/null || true
        wait "$plugin" 2>/dev/null || true
    else
        # shellcheck disable=SC2086
        $nice_cmd "$swift" package --scratch-path "$scratch" plugin generate-manual >"$log" 2>&1 || true
        tool=$(find_tool)
    fi
    tool_runs "$tool" || { cat "$log" >&2; die "the generate-manual plugin built no tool that runs (see $log)"; }
fi

# 2. The release binary (the Swift runtime linked in on Linux; on macOS it is part of the OS).
say "building $name (release; scratch path $scratch)"
# shellcheck disable=SC2086  # NICE is a command and its arguments
$nice_cmd "$swift" build "${build_flags[@]}"
bin_dir=$("$swift" build "${build_flags[@]}" --show-bin-path)
[ -x "$bin_dir/devenv" ] || die "no binary at $bin_dir/devenv"

# 3. The man page.
man_dir=$(mktemp -d)
trap 'rm -rf "$man_dir"' EXIT
"$tool" "$bin_dir/devenv" --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d 2>/dev/null || date -u -r "$SOURCE_DATE_EPOCH" +%Y-%m-%d)" \
    --authors 'The devenv authors' --output-directory "$man_dir" >/dev/null
man=$man_dir/devenv.1
[ -s "$man" ] || die "generate-manual wrote no devenv.1"

# 4. The folder the archive holds.
rm -rf "${dist:?}/$name" "$dist/.deb"
stage=$dist/$name
mkdir -p "$stage/bin" "$stage/share/bash-completion/completions" \
    "$stage/share/zsh/site-functions" "$stage/share/fish/vendor_completions.d" "$stage/share/man/man1"
cp "$bin_dir/devenv" "$stage/bin/devenv"
if [ "$target" = macos-universal ]; then strip -S -x "$stage/bin/devenv"; else strip --strip-all "$stage/bin/devenv"; fi
chmod 0755 "$stage/bin/devenv"
"$stage/bin/devenv" --generate-completion-script bash >"$stage/share/bash-completion/completions/devenv"
"$stage/bin/devenv" --generate-completion-script zsh >"$stage/share/zsh/site-functions/_devenv"
"$stage/bin/devenv" --generate-completion-script fish >"$stage/share/fish/vendor_completions.d/devenv.fish"
cp "$man" "$stage/share/man/man1/devenv.1"
cp LICENSE README.md "$stage/"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f ! -path "$stage/bin/devenv" -exec chmod 0644 {} +

# 5. The archive (the same bytes for the same inputs: sorted names, fixed owner and times).
tar_flags=()
if [[ $(tar --version 2>/dev/null) == *"GNU tar"* ]]; then
    tar_flags=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH")
else
    tar_flags=(--uid 0 --gid 0 --uname root --gname root)
fi
# gzip's format, with libdeflate's level 12 where it is installed (Debian: libdeflate-tools; Homebrew:
# libdeflate): 5% smaller than `gzip -9` (23.1 MB against 24.3 MB for this archive) in 10.7 s of
# CPU time (gzip -9: 8.7 s); any gzip reads it. GZIP_CMD overrides.
if [ -z "${GZIP_CMD:-}" ] && ! command -v libdeflate-gzip >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libdeflate-tools >/dev/null 2>&1 || true
fi
if [ -n "${GZIP_CMD:-}" ]; then gzip_cmd=$GZIP_CMD
elif command -v libdeflate-gzip >/dev/null; then gzip_cmd="libdeflate-gzip -12 -n"
else
    say "libdeflate-gzip not found (Debian: libdeflate-tools; Homebrew: libdeflate): gzip -9, about 5% larger"
    gzip_cmd="gzip -9n"
fi
# shellcheck disable=SC2086  # a command and its arguments
( cd "$dist" && tar "${tar_flags[@]}" -cf - "$name" | $gzip_cmd -c >"$name.tar.gz" )
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
( cd "$dist" && sha256 "$name.tar.gz" >"$name.tar.gz.sha256" )

# 6. The .deb (Linux only).
deb=
if [ "${target%%-*}" = linux ] && command -v dpkg-deb >/dev/null; then
    bash packaging/deb.sh "$stage" "$version" "$dist"
    deb=$(cat "$dist/.deb")
fi
rm -f "$dist/.deb"

# 7. install.sh, defaulting to this version.
sed "s/^DEVENV_DEFAULT_VERSION=[^ ]*/DEVENV_DEFAULT_VERSION=$version/" packaging/install.sh >"$dist/install.sh"
chmod 0755 "$dist/install.sh"

rm -rf "${stage:?}"
bytes() { wc -c <"$1" | tr -d ' '; }
say "wrote $dist/:"
for f in "$dist/$name.tar.gz" "$dist/$name.tar.gz.sha256" ${deb:+"$deb"} "$dist/install.sh"; do
    printf '  %-48s %10s bytes\n' "${f#"$dist"/}" "$(bytes "$f")"
done
printf '  binary (stripped)                                %10s bytes; unstripped %s\n' \
    "$(tar -xzOf "$dist/$name.tar.gz" "$name/bin/devenv" | wc -c | tr -d ' ')" "$(bytes "$bin_dir/devenv")"
