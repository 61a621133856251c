#!/usr/bin/env bash
# One benchmark over two or more builds of the connector, their runs interleaved: on a
# shared machine a change can only be judged against runs made in the same phase
# (docs/benchmarks.md), so each round runs the benchmark once with every build in turn.
#
#   tests/bench/compare_builds.sh [--rounds N] BENCHMARK [ARG...] -- BUILD_DIR...
#
# BENCHMARK is a script of tests/bench (mysql_stream_bench.sh, pg_stream_bench.sh,
# backfill_bench.sh, ...) and ARGs its arguments. Each BUILD_DIR (relative to the
# repository, or absolute) holds a Release build with the helpers the benchmark runs:
#   CDC_RELEASE_DIR=build-x scripts/build-release
#   ninja -C build-x cdc_bench_sink cdc_binlog_decode_bench
# N rounds (default 5). Prints each run's RESULT figures as it goes, then for each RESULT
# name and build the median seconds and CPU µs a row with their ranges, and each build's
# time against the first build's: median against median, and run against run within each
# round (median and range). Run it under scripts/with-servers, or the benchmark starts
# servers of its own at every run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

usage() {
  echo "usage: tests/bench/compare_builds.sh [--rounds N] BENCHMARK [ARG...] -- BUILD_DIR..." >&2
  exit 2
}

rounds=5
if [[ ${1:-} == --rounds ]]; then
  [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
  rounds=$2
  shift 2
fi
(($# > 0)) || usage
bench=$ROOT/tests/bench/${1##*/}
shift
[[ -x $bench ]] || {
  echo "compare_builds: no benchmark $bench" >&2
  exit 2
}
args=()
while (($# > 0)) && [[ $1 != -- ]]; do
  args+=("$1")
  shift
done
(($# > 1)) || usage
shift
builds=("$@")
for build in "${builds[@]}"; do
  dir=$build
  [[ $dir == /* ]] || dir=$ROOT/$dir
  [[ -x $dir/src/cli/retainly-cdc ]] || {
    echo "compare_builds: $dir has no src/cli/retainly-cdc (build it first)" >&2
    exit 2
  }
done

runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
for ((round = 1; round <= rounds; round++)); do
  for build in "${builds[@]}"; do
    dir=$build
    [[ $dir == /* ]] || dir=$ROOT/$dir
    output=$(CDC_RELEASE_DIR=$(realpath --relative-to="$ROOT" "$dir") BENCH_SKIP_BUILD=1 \
      "$bench" "${args[@]}" 2>&1) || {
      printf '%s\n' "$output" | tail -n 20 >&2
      echo "compare_builds: $bench failed with $build" >&2
      exit 1
    }
    # name, seconds, CPU µs a row, threads (when the benchmark splits them)
    while read -r name seconds cpu threads; do
      printf 'round %d  %-24s %-36s %8ss  %5s us/row  %s\n' \
        "$round" "$build" "$name" "$seconds" "$cpu" "$threads"
      printf '%s\t%s\t%s\t%s\n' "$name" "$build" "$seconds" "$cpu" >>"$runs"
    done < <(printf '%s\n' "$output" | awk '/^RESULT / {
        name = seconds = cpu = threads = ""
        for (i = 2; i <= NF; i++) {
          split($i, kv, "=")
          if (kv[1] == "name") name = kv[2]
          else if (kv[1] == "seconds") seconds = kv[2]
          else if (kv[1] == "cpu_us_per_row") cpu = kv[2]
          else if (kv[1] == "thread_cpu_us_per_row") threads = kv[2]
        }
        print name, seconds, cpu, threads
      }')
  done
done

# Medians (the middle run; of an even count, the mean of the two middle ones). "time vs"
# compares the medians; "rows/s vs" the same as throughput, the first build's median time
# over this one's (a build 25% slower has 20% less throughput: goals stated in rows/s
# are judged on this column); "per round" compares each run with the first build's run of the
# same round, seconds apart, and gives the median and range of those ratios: the range
# says how far one such pair can be trusted (2026-12-07: 3% to 44% for one pair of
# builds within nine rounds).
printf '\n%-36s %-24s %10s %18s %9s %14s  %-9s %-10s %s\n' \
  benchmark build "median s" "range s" "CPU us" "CPU range" "time vs" "rows/s vs" \
  "per round vs ${builds[0]} (range)"
awk -F'\t' -v builds="${builds[*]}" '
  function median(list, n,   sorted, i, j, t) {
    for (i = 1; i <= n; i++) sorted[i] = list[i]
    for (i = 2; i <= n; i++) {
      t = sorted[i]
      for (j = i - 1; j >= 1 && sorted[j] + 0 > t + 0; j--) sorted[j + 1] = sorted[j]
      sorted[j + 1] = t
    }
    lo = sorted[1]; hi = sorted[n]
    return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
  }
  { key = $1 SUBSEP $2; n[key]++; s[key, n[key]] = $3; c[key, n[key]] = $4
    if (!($1 in seen)) { seen[$1] = 1; names[++name_count] = $1 } }
  END {
    build_count = split(builds, build, " ")
    for (k = 1; k <= name_count; k++) {
      first = ""
      for (b = 1; b <= build_count; b++) {
        key = names[k] SUBSEP build[b]
        if (!(key in n)) continue
        delete list; for (i = 1; i <= n[key]; i++) list[i] = s[key, i]
        ms = median(list, n[key]); slo = lo; shi = hi
        delete list; for (i = 1; i <= n[key]; i++) list[i] = c[key, i]
        mc = median(list, n[key]); clo = lo; chi = hi
        if (b == 1) { base = ms; first = key }
        versus = base > 0 ? sprintf("%+.1f%%", (ms / base - 1) * 100) : "-"
        rate = ms > 0 ? sprintf("%+.1f%%", (base / ms - 1) * 100) : "-"
        paired = "-"
        if (b > 1 && first in n) {
          delete list; pairs = 0
          for (i = 1; i <= n[key] && i <= n[first]; i++) {
            if (s[first, i] > 0) list[++pairs] = (s[key, i] / s[first, i] - 1) * 100
          }
          if (pairs > 0) {
            mp = median(list, pairs)
            paired = sprintf("%+.1f%% (%+.1f..%+.1f)", mp, lo, hi)
          }
        }
        printf "%-36s %-24s %10.3f %8.3f..%-8.3f %9.2f %6.2f..%-6.2f  %-9s %-10s %s\n", names[k],
          build[b], ms, slo, shi, mc, clo, chi, versus, rate, paired
      }
    }
  }' "$runs"
