#!/usr/bin/env bash
# Integration test of examples/digest: runs the real binary on a generated tree of 3,000 files and
# checks its output against sha256sum's, then the failure paths: an unreadable entry (a dangling
# symbolic link: the tests may run as root, who can read any file), a bad command line, and
# SIGINT while a file is being read (a link to /dev/zero, which never ends).
# Usage: tests/integration/digest_test.sh path/to/digest
set -euo pipefail

readonly DIGEST="$1"
readonly TEST_NAME=digest_test
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
WORK="$(mktemp -d)"
readonly WORK
trap stop_jobs_and_remove_work EXIT
readonly TREE="$WORK/tree"

make_tree() {
  local directory file
  for directory in $(seq 0 29); do
    mkdir -p "$TREE/d$directory/sub"
    for file in $(seq 0 99); do
      printf 'file %d of directory %d\n%*s' "$file" "$directory" "$((file * 37))" '' \
        >"$TREE/d$directory/sub/f$file.txt"
    done
  done
}

check_matches_sha256sum() {
  "$DIGEST" --jobs 4 "$TREE" >"$WORK/digest.out" || fail "digest exited with $? on a readable tree"
  [[ "$(wc -l <"$WORK/digest.out")" -eq 3000 ]] || fail "expected 3000 lines of output"
  find "$TREE" -type f -print0 | xargs -0 sha256sum >"$WORK/sha256sum.out"
  diff <(LC_ALL=C sort "$WORK/digest.out") <(LC_ALL=C sort "$WORK/sha256sum.out") >/dev/null \
    || fail "digest's output differs from sha256sum's"
  sha256sum --check --quiet "$WORK/digest.out" || fail "sha256sum -c rejects digest's output"
  echo "digest_test: 3000 files hash as sha256sum hashes them"
}

check_unreadable_file_is_named() {
  ln -s "$WORK/missing" "$TREE/d7/broken"
  local status=0
  "$DIGEST" "$TREE" >"$WORK/out" 2>"$WORK/err" || status=$?
  rm "$TREE/d7/broken"
  [[ "$status" -eq 1 ]] || fail "an unreadable file gave exit status $status, not 1"
  grep -q "d7/broken" "$WORK/err" || fail "the error does not name the file: $(cat "$WORK/err")"
  [[ ! -s "$WORK/out" ]] || fail "digests were printed despite the failure"
  echo "digest_test: an unreadable file stops the run and is named: $(cat "$WORK/err")"
}

check_bad_command_line() {
  local status=0
  "$DIGEST" --jobs 0 "$TREE" >/dev/null 2>"$WORK/err" || status=$?
  [[ "$status" -eq 2 ]] || fail "--jobs 0 gave exit status $status, not 2"
  grep -q -- "--jobs" "$WORK/err" || fail "the usage error does not name --jobs"
  echo "digest_test: a bad command line is refused: $(head -1 "$WORK/err")"
}

check_sigint_stops_it() {
  mkdir -p "$WORK/endless"
  ln -s /dev/zero "$WORK/endless/zeros"
  "$DIGEST" "$WORK/endless" >/dev/null 2>"$WORK/err" &
  local pid=$! status=0
  wait_until catches_signal "$pid" 2
  kill -INT "$pid"
  wait "$pid" || status=$?
  [[ "$status" -eq 130 ]] || fail "SIGINT gave exit status $status, not 130"
  grep -q "signal received: SIGINT" "$WORK/err" || fail "the cause is not the signal: $(cat "$WORK/err")"
  echo "digest_test: SIGINT stops it cleanly: $(cat "$WORK/err")"
}

make_tree
check_matches_sha256sum
check_unreadable_file_is_named
check_bad_command_line
check_sigint_stops_it
echo "digest_test: all checks passed"
