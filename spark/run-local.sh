#!/usr/bin/env bash
# PaliGemma over an image directory with Spark in local mode:
#   spark/run-local.sh --model DIR --images DIR --prompt "caption en" --out DIR [--max-tokens N] [--master local[4]]
# Builds the spark module and its class path on first use (Spark comes from Maven Central).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAR="$HERE/target/paligemma4j-spark-0.1.0-SNAPSHOT.jar"
CPFILE="$HERE/target/classpath.txt"
if [[ ! -f "$JAR" || ! -f "$CPFILE" || -n "$(find "$ROOT" \( -path "$ROOT/.git" -o -name target -o -name node_modules \) -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$JAR" -print -quit)" ]]; then
  echo "run-local: building (first run or sources changed)..." >&2
  (cd "$ROOT" && mvn -q -B -DskipTests -pl spark -am install 2>&1 | sed -u $'s/\x1b\\[[0-9;]*m//g' >&2 \
     && mvn -q -B -pl spark dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CPFILE" 2>&1 \
        | sed -u $'s/\x1b\\[[0-9;]*m//g' >&2) || { echo "error: build failed" >&2; exit 1; }
fi
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow -Djava.awt.headless=true \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED ${PALIGEMMA_JAVA_OPTS:-} \
  -cp "$JAR:$(cat "$CPFILE")" io.paligemma4j.spark.RunLocal "$@" \
  2> >(grep -v --line-buffered -E '^WARNING: Using incubator modules|^WARNING: .*(sun.misc.Unsafe|terminally deprecated|Please consider reporting|will be removed)' >&2)
