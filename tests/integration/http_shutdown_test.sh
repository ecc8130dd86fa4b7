#!/usr/bin/env bash
# Integration test of examples/http_shutdown: starts the real server and drives every way it can
# end with real HTTP requests (bash's /dev/tcp) and real signals: /ping answers; /shutdown ends
# it; SIGTERM and SIGINT end it; a second server on a port the first one holds fails to start,
# exits non-zero and names the bind error.
# Usage: tests/integration/http_shutdown_test.sh path/to/http_shutdown
set -euo pipefail

readonly SERVER="$1"
readonly TEST_NAME=http_shutdown_test
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
WORK="$(mktemp -d)"
readonly WORK
trap stop_jobs_and_remove_work EXIT

# GET $2 from the server on port $1; prints the response body.
http_get() {
  local response
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  response="$(cat <&3)"
  exec 3<&-
  printf '%s\n' "${response#*$'\r\n\r\n'}"
}

is_listening() { grep -q '^listening on ' "$1"; }

# Starts a server on any free port; sets SERVER_PID and PORT, output in $WORK/$1.out.
start_server() {
  "$SERVER" 0 >"$WORK/$1.out" 2>"$WORK/$1.err" &
  SERVER_PID=$!
  wait_until is_listening "$WORK/$1.out"
  PORT="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/$1.out")"
  [[ -n "$PORT" ]] || fail "no port in: $(cat "$WORK/$1.out")"
}

# Waits for the server to exit; checks its status ($2) and that its last line is $3.
expect_end() {
  local status=0 last
  wait "$SERVER_PID" || status=$?
  last="$(tail -n 1 "$WORK/$1.out")"
  [[ "$status" -eq "$2" ]] || fail "$1: exit status $status, not $2 (last line: $last)"
  [[ "$last" == "$3" ]] || fail "$1: last line '$last', not '$3'"
  echo "${TEST_NAME}: $1: exit $status, '$last'"
}

check_ping_then_shutdown() {
  start_server http
  [[ "$(http_get "$PORT" /ping)" == "pong" ]] || fail "/ping did not answer pong"
  http_get "$PORT" /shutdown >/dev/null
  expect_end http 0 "stopped: shutdown requested over HTTP"
}

check_signal() {  # $1: signal name, $2: its number
  start_server "$1"
  wait_until catches_signal "$SERVER_PID" "$2"
  kill "-$1" "$SERVER_PID"
  expect_end "$1" 0 "stopped: signal received: SIG$1"
}

check_port_in_use() {
  start_server first
  local status=0
  "$SERVER" "$PORT" >"$WORK/second.out" 2>&1 || status=$?
  [[ "$status" -eq 1 ]] || fail "a second server on port $PORT exited with $status, not 1"
  local last
  last="$(tail -n 1 "$WORK/second.out")"
  [[ "$last" == "stopped: cannot listen on 127.0.0.1:$PORT: Address already in use" ]] \
    || fail "the second server's last line names no bind error: '$last'"
  echo "${TEST_NAME}: a port in use: exit $status, '$last'"
  http_get "$PORT" /shutdown >/dev/null
  expect_end first 0 "stopped: shutdown requested over HTTP"
}

check_ping_then_shutdown
check_signal TERM 15
check_signal INT 2
check_port_in_use
echo "${TEST_NAME}: all checks passed"
