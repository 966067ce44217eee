#!/bin/sh
# Stand-in for the official memcached image: `memcached ARGS` (or just ARGS) runs as the
# memcache user, listening on every interface.
set -e
if [ "${1#-}" != "$1" ]; then set -- memcached "$@"; fi
if [ "$1" = memcached ] && [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=memcache --regid=memcache --init-groups "$@"
fi
exec "$@"
