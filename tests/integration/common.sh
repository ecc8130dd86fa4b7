# Shared by the integration tests in this folder (sourced, not run). Each test sets TEST_NAME.

# The EXIT trap of a test with a work folder WORK: stops the programs a failed check left running
# in the background (a server, a program reading /dev/zero), then removes WORK.
stop_jobs_and_remove_work() {
  local pids
  pids="$(jobs -p)"
  [[ -z "$pids" ]] || kill $pids 2>/dev/null || true
  rm -rf "$WORK"
}

fail() {
  echo "${TEST_NAME}: FAILED: $*" >&2
  exit 1
}

# True once process $1 catches signal number $2 (its SigCgt mask in /proc has the signal's bit).
catches_signal() {
  local mask
  mask="$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" || return 1
  [[ -n "$mask" ]] && (((16#$mask >> ($2 - 1)) & 1))
}

# Runs the command "$@" every 10 ms until it succeeds; fails the test after 10 s.
wait_until() {
  local tries=0
  until "$@"; do
    ((++tries < 1000)) || fail "gave up waiting for: $*"
    sleep 0.01
  done
}
