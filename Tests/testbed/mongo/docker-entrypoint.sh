#!/bin/bash
# The test bed's `mongo` stand-in entrypoint (SecantusDB, a MongoDB-wire server on WiredTiger),
# honouring the official image's contract:
#   MONGO_INITDB_ROOT_USERNAME / MONGO_INITDB_ROOT_PASSWORD   a root user in admin, auth on
#   MONGO_INITDB_DATABASE                                     the database /docker-entrypoint-initdb.d/*.js would use
#   /docker-entrypoint-initdb.d/*.sh                          run (or sourced) once, on a fresh /data/db
#   /data/db, port 27017, runs as mongodb (999), `docker-entrypoint.sh mongod [flags]`.
# First start on an empty data folder: a server on 127.0.0.1 without auth, the root user, the
# init scripts, shutdown; then the real server on every interface. Built by ../mongo.sh.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then set -- mongod "$@"; fi

if [ "$1" != mongod ]; then exec "$@"; fi

dbpath=/data/db
args=("$@")
for (( i = 1; i < ${#args[@]}; i++ )); do
    case ${args[i]} in
        --dbpath) dbpath=${args[i+1]:-$dbpath} ;;
        --dbpath=*) dbpath=${args[i]#--dbpath=} ;;
    esac
done

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$dbpath"
    find "$dbpath" \! -user mongodb -exec chown mongodb:mongodb '{}' + 2>/dev/null || true
    export HOME=/data/db               # as gosu would: the user's home, not root's
    exec setpriv --reuid=mongodb --regid=mongodb --init-groups "$BASH_SOURCE" "$@"
fi

user=${MONGO_INITDB_ROOT_USERNAME:-}
pass=${MONGO_INITDB_ROOT_PASSWORD:-}
if [ -n "$user" ] && [ -z "$pass" ] || [ -z "$user" ] && [ -n "$pass" ]; then
    echo >&2 'error: missing MONGO_INITDB_ROOT_USERNAME or MONGO_INITDB_ROOT_PASSWORD'
    echo >&2 '       both must be specified for a user to be created'
    exit 1
fi

fresh=1
[ -e "$dbpath/WiredTiger" ] && fresh=
shopt -s nullglob
scripts=(/docker-entrypoint-initdb.d/*)
if [ -n "$fresh" ] && { [ -n "$user" ] || [ ${#scripts[@]} -gt 0 ]; }; then
    echo "stand-in: initialising $dbpath"
    mongod --bind_ip 127.0.0.1 --port 27017 --dbpath "$dbpath" --quiet &
    pid=$!
    alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
    # Poll the port with bash alone (a client per poll is a Python start: on a loaded machine
    # the polls would starve the server they wait for), then one ping that waits for the server.
    for _ in $(seq 1 1200); do
        (exec 3<>/dev/tcp/127.0.0.1/27017) 2>/dev/null && break
        alive "$pid" || { echo >&2 'error: the server exited during initialisation'; exit 1; }
        sleep 0.25
    done
    mongosh --quiet 'mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=120000' --eval 'db.runCommand({ ping: 1 }).ok' >/dev/null 2>&1 || true
    if [ -n "$user" ]; then
        # The password comes from the environment, never an argv.
        python3 - <<'EOF'
import os, pymongo
c = pymongo.MongoClient("mongodb://127.0.0.1:27017/", serverSelectionTimeoutMS=120000)
c.admin.command("createUser", os.environ["MONGO_INITDB_ROOT_USERNAME"], pwd=os.environ["MONGO_INITDB_ROOT_PASSWORD"],
                roles=[{"role": "root", "db": "admin"}], mechanisms=["SCRAM-SHA-1", "SCRAM-SHA-256"])
EOF
    fi
    export MONGO_INITDB_DATABASE=${MONGO_INITDB_DATABASE:-test}
    for f in "${scripts[@]}"; do
        case $f in
            *.sh) if [ -x "$f" ]; then echo "stand-in: running $f"; "$f"; else echo "stand-in: sourcing $f"; . "$f"; fi ;;
            *.js) echo "stand-in: running $f"; mongosh --quiet "mongodb://127.0.0.1:27017/$MONGO_INITDB_DATABASE" "$f" ;;
            *) echo "stand-in: ignoring $f" ;;
        esac
    done
    kill -TERM "$pid"; wait "$pid" || true
    echo "stand-in: initialised; starting"
fi

set -- "$@"
[ -n "$user" ] && set -- "$@" --auth
bind=--bind_ip_all
for a in "$@"; do case $a in --bind_ip|--bind_ip=*|--bind_ip_all) bind= ;; esac; done
exec "$@" $bind
