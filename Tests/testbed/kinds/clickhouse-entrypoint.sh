#!/bin/sh
# Stand-in for the official clickhouse-server image's entrypoint, over Debian's ClickHouse
# 18.16: CLICKHOUSE_USER and CLICKHOUSE_PASSWORD become the only user (reachable from any
# address; `default` is removed when another user is named), CLICKHOUSE_DB is created on the
# first start, /docker-entrypoint-initdb.d/*.sql|*.sh run once, and the server runs as the
# clickhouse user on every interface, logging to the console. (CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT
# is accepted and ignored: 18.16 predates SQL-driven access control.)
set -e
if [ "${1#-}" != "$1" ]; then set -- clickhouse-server "$@"; fi
[ "$1" = clickhouse-server ] || exec "$@"
shift
user=${CLICKHOUSE_USER:-default}
password=${CLICKHOUSE_PASSWORD:-}
mkdir -p /etc/clickhouse-server/users.d /var/lib/clickhouse
if [ "$user" != default ] || [ -n "$password" ]; then
    {
        echo "<yandex><users>"
        if [ "$user" != default ]; then echo "<default remove=\"remove\"></default>"; fi
        echo "<$user><profile>default</profile><quota>default</quota>"
        echo "<networks><ip>::/0</ip></networks><password>$password</password></$user>"
        echo "</users></yandex>"
    } > /etc/clickhouse-server/users.d/default-user.xml
    chmod 0640 /etc/clickhouse-server/users.d/default-user.xml
fi
chown -R clickhouse:clickhouse /var/lib/clickhouse /etc/clickhouse-server/users.d

if [ ! -f /var/lib/clickhouse/.devenv-initialised ]; then
    client=$(mktemp)
    printf '<config><user>%s</user><password>%s</password></config>\n' "$user" "$password" > "$client"
    # The first-start server listens in the container only, so nothing outside sees it ready
    # before the database exists (the official entrypoint does the same).
    setpriv --reuid=clickhouse --regid=clickhouse --init-groups clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --listen_host=127.0.0.1 &
    pid=$!
    for _ in $(seq 1 120); do clickhouse-client --config-file="$client" --query "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
    if [ -n "${CLICKHOUSE_DB:-}" ]; then clickhouse-client --config-file="$client" --query "CREATE DATABASE IF NOT EXISTS $CLICKHOUSE_DB"; fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) echo "running $f"; . "$f" ;;
            *.sql) echo "running $f"; clickhouse-client --config-file="$client" ${CLICKHOUSE_DB:+--database="$CLICKHOUSE_DB"} --multiquery < "$f" ;;
        esac
    done
    rm -f "$client"
    kill "$pid"; wait "$pid" || true
    touch /var/lib/clickhouse/.devenv-initialised
fi
exec setpriv --reuid=clickhouse --regid=clickhouse --init-groups clickhouse-server --config-file=/etc/clickhouse-server/config.xml "$@"
