#!/usr/bin/env bash
# Before/after throughput of the jobs engine, interleaved on one machine: each slice runs raw XADD, then the two
# builds (the order alternating between passes), then raw XADD again, so each ratio to raw XADD is taken within
# minutes. Compare ratios, not absolute rates, on a shared machine.
#
#   git worktree add /tmp/jobs-before <ref> && (cd /tmp/jobs-before && ./mvnw -B -q -pl starter-autoconfigure -am test-compile)
#   BEFORE=/tmp/jobs-before bench/jobs/ab.sh      # after bench/jobs/run.sh built this tree and its classpath
#
# Settings (environment): BEFORE (required, a built tree), JOBS (50000), PASSES (2), CONCURRENCY (64).
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${BEFORE:?BEFORE=<a built tree of the version to compare with>}"
JOBS=${JOBS:-50000}
PASSES=${PASSES:-2}
CONCURRENCY=${CONCURRENCY:-64}
DEPS=$(cat bench/jobs/.classpath)
classes() { echo "$1/starter-autoconfigure/target/test-classes:$1/starter-autoconfigure/target/classes:$1/service/target/classes:$DEPS"; }
xadd() {
  local key="fluxgate-bench:xadd:$$:$RANDOM"
  redis-benchmark -n 200000 -c 50 -q XADD "$key" MAXLEN '~' 10000 '*' payload 12345 | tr '\r' '\n' | grep -v '^$' \
    | tail -1 | sed 's/^/RESULT xadd /'
  redis-cli DEL "$key" >/dev/null
}
run() {
  java -Xmx512m -cp "$(classes "$2")" dev.fluxgate.bench.JobsBenchmark throughput "$3" "$JOBS" "$CONCURRENCY" 2>/dev/null \
    | grep '^RESULT' | sed "s/^RESULT/RESULT $1/"
}
echo "# $(date -u +%FT%TZ) load average $(cut -d' ' -f1-3 /proc/loadavg)"
for pass in $(seq "$PASSES"); do
  for instances in 1 2; do
    xadd
    if [ $((pass % 2)) = 1 ]; then run before "$BEFORE" "$instances"; run after "$PWD" "$instances"
    else run after "$PWD" "$instances"; run before "$BEFORE" "$instances"; fi
    xadd
  done
done
echo "# $(date -u +%FT%TZ) load average after $(cut -d' ' -f1-3 /proc/loadavg)"
