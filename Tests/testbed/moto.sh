#!/usr/bin/env bash
# The test bed's AWS side: moto (PyPI `moto[server]`, whose `moto_server` serves the SSM and
# Secrets Manager APIs on 127.0.0.1) and the AWS CLI (PyPI `awscli`), for the end-to-end tests
# of the aws-ssm and aws-secrets-manager presets (Tests/EndToEndTests/MirrorAWSTests.swift).
# Each test starts its own moto_server on a free port and stops it afterwards; this script only
# installs what is missing. Idempotent.
set -euo pipefail
say() { printf 'testbed: %s\n' "$*"; }
pip_install() { python3 -m pip install -q "$@" >/dev/null 2>&1 || pip install -q "$@" >/dev/null; }

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import moto, flask, boto3' >/dev/null 2>&1; then
    say "installing moto (PyPI moto[server])"
    pip_install 'moto[server]'
fi
command -v aws >/dev/null 2>&1 || { say "installing the AWS CLI (PyPI awscli)"; pip_install awscli; }
command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
command -v moto_server >/dev/null && command -v aws >/dev/null \
    || { echo "testbed: moto_server or aws is not on PATH after installing; check pip's script folder" >&2; exit 1; }
