#!/usr/bin/env bash
# Integration test of examples/pipeline: a clean build prints every step as succeeded and the
# linked result; a failing compile step skips exactly link and package (naming the failed step),
# while the other compiles and the independent manual still succeed; a failing read skips its
# compile and, down the chain, link and package, naming where the chain began.
# Usage: tests/integration/pipeline_test.sh path/to/pipeline
set -euo pipefail

readonly PIPELINE="$1"
readonly TEST_NAME=pipeline_test
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Fails unless the output in $1 has a line starting with the label $2 whose rest is exactly $3.
expect_line() {
  local line
  line="$(awk -v label="$2" '$1 == label' <<<"$1")"
  [[ -n "$line" ]] || fail "no line for $2 in:"$'\n'"$1"
  [[ "$(sed -E 's/^[^ ]+ +//' <<<"$line")" == "$3" ]] || fail "for $2 expected '$3', got '$line'"
}

check_clean_build() {
  local out
  out="$("$PIPELINE")" || fail "a clean build exited with $?"
  for step in read:a read:b read:c compile:a compile:b compile:c link package manual; do
    expect_line "$out" "'$step'" "succeeded"
  done
  grep -qx "result: obj(INT A() { RETURN 1; });obj(INT B() { RETURN 2; });obj(INT C() { RETURN 3; }); (81 bytes), manual.txt" <<<"$out" \
    || fail "unexpected result line in:"$'\n'"$out"
  echo "pipeline_test: a clean build runs every step"
}

check_failing_compile() {
  local out status=0
  out="$("$PIPELINE" --fail compile:b)" || status=$?
  [[ "$status" -eq 1 ]] || fail "a failing step gave exit status $status, not 1"
  expect_line "$out" "'compile:b'" "failed: compile:b: simulated failure"
  expect_line "$out" "'link'" \
    "skipped_upstream_failed: upstream task 'compile:b' failed: compile:b: simulated failure"
  expect_line "$out" "'package'" \
    "skipped_upstream_failed: upstream task 'link' was skipped because task 'compile:b' failed: compile:b: simulated failure"
  for step in read:a read:b read:c compile:a compile:c manual; do
    expect_line "$out" "'$step'" "succeeded"
  done
  grep -qx "failed: compile:b: simulated failure" <<<"$out" || fail "no failure line in:"$'\n'"$out"
  echo "pipeline_test: a failing compile skips exactly link and package:"
  echo "$out"
}

check_failing_read() {
  local out status=0
  out="$("$PIPELINE" --fail read:c)" || status=$?
  [[ "$status" -eq 1 ]] || fail "a failing read gave exit status $status, not 1"
  expect_line "$out" "'compile:c'" \
    "skipped_upstream_failed: upstream task 'read:c' failed: read:c: simulated failure"
  expect_line "$out" "'package'" \
    "skipped_upstream_failed: upstream task 'link' was skipped because task 'read:c' failed: read:c: simulated failure"
  expect_line "$out" "'compile:a'" "succeeded"
  echo "pipeline_test: a failing read skips its compile, link and package"
}

check_bad_command_line() {
  local status=0
  "$PIPELINE" --bogus >/dev/null 2>&1 || status=$?
  [[ "$status" -eq 2 ]] || fail "a bad command line gave exit status $status, not 2"
  echo "pipeline_test: a bad command line is refused"
}

check_clean_build
check_failing_compile
check_failing_read
check_bad_command_line
