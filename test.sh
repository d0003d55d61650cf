#!/usr/bin/env bash
# Runs every test: unit, parity and conformance (Maven), then the command line end to end.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -z "${JAVA_HOME:-}" ]]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
mvn -B -ntp verify "$@"
