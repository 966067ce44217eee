#!/bin/sh
# Stand-in for the official rabbitmq image, over Debian's RabbitMQ 3.10 (management plugin
# enabled, as in the -management tags): RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS and
# RABBITMQ_DEFAULT_VHOST make the default user and vhost on the first boot; the server runs as
# the rabbitmq user with its data in /var/lib/rabbitmq (under its node name, rabbit@HOSTNAME).
set -e
if [ "$1" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
    mkdir -p /var/lib/rabbitmq
    conf=/etc/rabbitmq/rabbitmq.conf
    {
        echo "loopback_users = none"
        echo "listeners.tcp.default = 5672"
        if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then echo "default_user = $RABBITMQ_DEFAULT_USER"; fi
        if [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then echo "default_pass = $RABBITMQ_DEFAULT_PASS"; fi
        if [ -n "${RABBITMQ_DEFAULT_VHOST:-}" ]; then echo "default_vhost = $RABBITMQ_DEFAULT_VHOST"; fi
    } > "$conf"
    chmod 0600 "$conf"
    chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
fi
if [ "$1" = rabbitmq-server ]; then shift; export RABBITMQ_LOGS="${RABBITMQ_LOGS:--}"; exec /usr/lib/rabbitmq/bin/rabbitmq-server "$@"; fi
exec "$@"
