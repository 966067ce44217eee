#!/bin/bash
# The MinIO stand-in's entrypoint, as the official image's: arguments not starting with
# `minio` are minio's (`server /data …` → `minio server /data …`).
set -e
if [ "${1:-}" != minio ] && [ -n "${1:-}" ]; then set -- minio "$@"; fi
exec "$@"
