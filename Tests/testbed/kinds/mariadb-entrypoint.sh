#!/bin/sh
# Stand-in for the official mariadb and mysql images' docker-entrypoint.sh, over Debian's
# MariaDB 10.11: honours MARIADB_ROOT_PASSWORD, MARIADB_DATABASE, MARIADB_USER,
# MARIADB_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and their MYSQL_* names (the mysql image's
# contract), initialises /var/lib/mysql on the first start (root@'%', the database, the user
# with every privilege on it), runs /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz, then runs
# the server (`mariadbd` or `mysqld`, as the mysql user) on every interface.
set -e
if [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
case "$1" in mariadbd|mysqld) ;; *) exec "$@" ;; esac
shift
root_password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
database=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
user=${MARIADB_USER:-${MYSQL_USER:-}}
password=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
allow_empty=${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}
datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown -R mysql:mysql "$datadir" /run/mysqld
sq() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }   # a value inside '…' in SQL

if [ ! -d "$datadir/mysql" ]; then
    if [ -z "$root_password" ] && [ -z "$allow_empty" ]; then
        echo "error: database is uninitialized and password option is not specified" >&2
        echo "  You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD (or their MYSQL_* names)" >&2
        exit 1
    fi
    echo "Initializing database files"
    mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=normal >/dev/null
    socket=/run/mysqld/init.sock
    mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
    pid=$!
    for _ in $(seq 1 120); do mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
    {
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sq "$root_password")';"
        echo "CREATE USER 'root'@'%' IDENTIFIED BY '$(sq "$root_password")';"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        if [ -n "$database" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"; fi
        if [ -n "$user" ]; then
            echo "CREATE USER '$(sq "$user")'@'%' IDENTIFIED BY '$(sq "$password")';"
            if [ -n "$database" ]; then echo "GRANT ALL ON \`$database\`.* TO '$(sq "$user")'@'%';"; fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | mariadb --socket="$socket" -uroot
    defaults=$(mktemp)
    printf '[client]\nuser=root\npassword=%s\nsocket=%s\n' "$root_password" "$socket" > "$defaults"
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) echo "running $f"; . "$f" ;;
            *.sql) echo "running $f"; mariadb --defaults-extra-file="$defaults" ${database:+"$database"} < "$f" ;;
            *.sql.gz) echo "running $f"; gunzip -c "$f" | mariadb --defaults-extra-file="$defaults" ${database:+"$database"} ;;
        esac
    done
    mariadb-admin --defaults-extra-file="$defaults" shutdown
    rm -f "$defaults"
    wait "$pid" || true
    echo "MariaDB init process done. Ready for start up."
fi
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --skip-name-resolve "$@"
