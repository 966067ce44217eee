#!/bin/sh
# Stand-in for the official mariadb image's healthcheck.sh. --connect: the server answers on
# TCP. --innodb_initialized holds whenever it does here: the stand-in's entrypoint starts the
# networked server only after initialising. Other checks are accepted and treated the same.
exec mariadb-admin --protocol=tcp -h 127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1
