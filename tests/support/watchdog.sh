#!/usr/bin/env bash
# Runs a test command under a time limit and makes a hang a readable failure: when the limit
# passes, it names the command, prints the thread stacks of the command's process and of every
# process it started (gdb in batch mode), kills them all and exits 124. Otherwise it exits with
# the command's own status. CTest's TIMEOUT stays above the limit, as the last resort.
# Usage: tests/support/watchdog.sh SECONDS COMMAND [ARGUMENTS...]
set -uo pipefail

readonly LIMIT_SECONDS="${1:?usage: watchdog.sh SECONDS COMMAND [ARGUMENTS...]}"
shift

# The process and its descendants, parents first.
process_tree() {
  local child
  echo "$1"
  for child in $(pgrep -P "$1"); do
    process_tree "${child}"
  done
}

print_stacks() {
  local pid
  for pid in "$@"; do
    echo "--- watchdog: process ${pid}: $(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)"
    if command -v gdb >/dev/null 2>&1; then
      timeout 60 gdb -p "${pid}" -batch -nx -ex "set pagination off" -ex "thread apply all bt" \
        2>&1 | grep -v '^\[New LWP\|^warning:'
    else
      echo "(gdb is not installed: no stacks)"
    fi
  done
}

"$@" &
readonly TEST_PID=$!
# The timer sleeps in the background, so the command's exit ends the wait at once.
sleep "${LIMIT_SECONDS}" &
readonly TIMER_PID=$!
wait -n -p finished "${TEST_PID}" "${TIMER_PID}"
status=$?
if [[ "${finished}" == "${TEST_PID}" ]]; then
  kill "${TIMER_PID}" 2>/dev/null
  exit "${status}"
fi
echo "=== watchdog: '$*' still running after ${LIMIT_SECONDS} s: a hang; thread stacks follow" >&2
mapfile -t tree < <(process_tree "${TEST_PID}")
print_stacks "${tree[@]}" >&2
kill -KILL "${tree[@]}" 2>/dev/null
exit 124
