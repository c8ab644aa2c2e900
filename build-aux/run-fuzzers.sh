#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds the libFuzzer targets of tests/fuzz/ with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer in build-fuzz/, then runs each for
# SECONDS seconds (default 60), one after the other. The seed corpus in
# tests/fuzz/corpus/TARGET/ is read, never written: what the fuzzer finds is
# kept in build-fuzz/fuzz-corpus/TARGET/ and grows from run to run. A crash
# leaves its input in build-fuzz/fuzz-artifacts/ and fails the script; copy
# it into tests/fuzz/corpus/TARGET/ to make it a regression test.
#
#   build-aux/run-fuzzers.sh [SECONDS [TARGET...]]
#
# MIMIC_FUZZ_DETECT_LEAKS=0 turns libFuzzer's leak checks off (crashes,
# undefined behaviour, timeouts and memory blow-ups still fail the run), to
# look past a known leak while it is open.
#
# A long run (docs/fuzzing.md): build-aux/run-fuzzers.sh 3600
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(telemetry command-response websocket-envelope recording asset)
fi

build_dir=build-fuzz
if [ ! -f "$build_dir/build.ninja" ]; then
  CC=clang meson setup "$build_dir" -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
# Only the fuzz targets: the rest of the project is built and tested in the
# gcc builds.
ninja -C "$build_dir" $(printf 'tests/fuzz/fuzz-%s-libfuzzer ' "${targets[@]}") >/dev/null

mkdir -p "$build_dir/fuzz-artifacts"
failed=()
for target in "${targets[@]}"; do
  corpus="$build_dir/fuzz-corpus/$target"
  mkdir -p "$corpus"
  log="$build_dir/fuzz-artifacts/$target.log"
  # Leaks are checked at exit; the fuzzer's own ones (its corpus, its
  # dictionaries) are not Mimic's.
  if env UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       ASAN_OPTIONS="detect_leaks=${MIMIC_FUZZ_DETECT_LEAKS:-1}" \
       LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
       G_SLICE=always-malloc \
       "$build_dir/tests/fuzz/fuzz-$target-libfuzzer" \
       -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=8192 \
       -detect_leaks="${MIMIC_FUZZ_DETECT_LEAKS:-1}" \
       -print_final_stats=1 \
       -artifact_prefix="$build_dir/fuzz-artifacts/$target-" \
       "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz $target: ok, $runs inputs in ${seconds} s"
  else
    echo "fuzz $target: FAILED (see $log)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" || tail -20 "$log"
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
