#!/usr/bin/env bash
# JMH benchmark of one request through the real WebFilter chain and handler adapter (issue 11), with Fluxgate off,
# on, and with single guards switched off by their properties, for a reactive and an imperative trivial handler.
# Reports ns/op and bytes allocated per request (-prof gc: gc.alloc.rate.norm, deterministic even on a busy machine).
#
#   bench/jmh.sh                          # full run, about 15 minutes (8 configurations x 2 handlers x 2 forks)
#   BENCH_QUICK=1 bench/jmh.sh            # smoke run, about 6 minutes (1 fork, short iterations): times are rough
#   bench/jmh.sh -p config=off,default    # any JMH option; -p config='a.b=1;c.d=2' runs an ad-hoc variant
#   BENCH_ALLOC=1 bench/jmh.sh 2000 off default no-deadline   # bytes per request of the sending thread only,
#                                         # escape analysis off, one JVM per configuration: exact on a busy machine
#                                         # (RequestAllocation), ~20 s per configuration on an idle machine
#
# Builds the starter and bench/jmh from this tree (./mvnw -Pbench -pl bench/jmh -am package; nothing goes to
# ~/.m2), runs JMH on that classpath, prints JMH's table and a summary against "off", and writes
# docs/benchmarks/jmh.csv (the summary) and docs/benchmarks/raw/jmh/ (JMH's CSV and full output).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

OUT=docs/benchmarks
RAW=$OUT/raw/jmh
if [ -z "${BENCH_SUMMARY_ONLY:-}" ]; then  # BENCH_SUMMARY_ONLY=1: only summarise the last run's raw/jmh/jmh.csv again
  if [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f bench/jmh/target/classpath.txt ]; then
    echo "Building bench/jmh and the starter from this tree"
    ./mvnw -B -q -Pbench -pl bench/jmh -am package -DskipTests
  fi
  if [ -n "${BENCH_ALLOC:-}" ]; then
    mkdir -p "$OUT"
    # One JVM per configuration: in a shared JVM each figure depended on the configurations run before it (JIT
    # state, Spring's caches), by up to 2 KB per request.
    REQUESTS=2000; CONFIGS=()
    for arg in "$@"; do if [[ $arg =~ ^[0-9]+$ ]]; then REQUESTS=$arg; else CONFIGS+=("$arg"); fi; done
    [ ${#CONFIGS[@]} -eq 0 ] && CONFIGS=(off default)
    : > "$OUT/jmh-alloc.log"
    { echo "# $(date -Is) $(uptime)"
      for config in "${CONFIGS[@]}"; do
        java -XX:-DoEscapeAnalysis -Xms512m -Xmx512m -cp "bench/jmh/target/classes:$(cat bench/jmh/target/classpath.txt)" \
          dev.fluxgate.bench.jmh.RequestAllocation "$REQUESTS" "$config" 2>> "$OUT/jmh-alloc.log"
      done | awk 'NR == 1 && /^handler,/ || /^(reactive|imperative),/'; } | tee "$OUT/jmh-alloc.csv"
    exit 0
  fi
  QUICK=()
  [ -n "${BENCH_QUICK:-}" ] && QUICK=(-f 1 -wi 3 -w 2s -i 3 -r 2s)
  rm -rf "$RAW"; mkdir -p "$RAW"
  { echo "start: $(date -Is) $(uptime)"; echo "jvm: $(java -version 2>&1 | head -1)"; } > "$RAW/machine.txt"
  java -cp "bench/jmh/target/classes:$(cat bench/jmh/target/classpath.txt)" org.openjdk.jmh.Main RequestPathBenchmark \
    -prof gc -rf csv -rff "$RAW/jmh.csv" "${QUICK[@]}" "$@" 2>&1 | tee "$RAW/jmh.txt"
  echo "end: $(date -Is) $(uptime)" >> "$RAW/machine.txt"
fi

# Summary: per handler and configuration, time and allocation per request, and the difference to "off".
awk -F, '{ gsub(/["\r]/, "") } NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
  { name = $k["Benchmark"]; sub(/.*\.RequestPathBenchmark\./, "", name); cfg = $k["Param: config"]
    if (name ~ /:gc\.alloc\.rate\.norm$/) { sub(/:.*/, "", name); alloc[name, cfg] = $k["Score"] }
    else if (name !~ /:/) { t[name, cfg] = $k["Score"]; err[name, cfg] = $k["Score Error (99.9%)"];
      if (!((name, cfg) in seen)) { seen[name, cfg] = 1; order[++n] = name SUBSEP cfg } } }
  END { print "handler,config,ns_per_op,ns_error,bytes_per_op,ns_minus_off,bytes_minus_off,bytes_saved_vs_default"
    for (i = 1; i <= n; i++) { split(order[i], p, SUBSEP); h = p[1]; c = p[2]
      dt = ((h, "off") in t) ? sprintf("%+.0f", t[h, c] - t[h, "off"]) : ""
      da = ((h, "off") in alloc) ? sprintf("%+.0f", alloc[h, c] - alloc[h, "off"]) : ""
      ds = ((h, "default") in alloc && c != "off" && c != "default") ? sprintf("%.0f", alloc[h, "default"] - alloc[h, c]) : ""
      printf "%s,%s,%.0f,%s,%.0f,%s,%s,%s\n", h, c, t[h, c], (err[h, c] == "NaN" ? "" : sprintf("%.0f", err[h, c])),
        alloc[h, c], dt, da, ds } }' \
  "$RAW/jmh.csv" > "$OUT/jmh.csv"
echo
echo "Per request. *_minus_off: the difference to fluxgate.enabled=false; bytes_saved_vs_default: what switching"
echo "that guard off saves, i.e. its share of Fluxgate's allocation"
table "$OUT/jmh.csv"
echo
echo "Summary in $OUT/jmh.csv, JMH's output in $RAW"
