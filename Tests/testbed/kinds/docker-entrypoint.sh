#!/bin/sh
# Stand-in for the official valkey image's docker-entrypoint.sh, over Debian's Redis 7.0
# (valkey-server and valkey-cli here are wrappers over redis-server and redis-cli):
# `valkey-server ARGS` (or just ARGS) runs as the redis user in /data, with protected mode off
# as in the official image.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- valkey-server "$@"; fi
if [ "$1" = valkey-server ] && [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = valkey-server ]; then
    case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
fi
exec "$@"
