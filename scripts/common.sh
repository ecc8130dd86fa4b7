# shellcheck shell=bash
# Sourced by run_main.sh and run_tests.sh: strict mode, the repository root as the current
# directory, the build parallelism, and stages that name themselves when they fail.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"

SCRIPT_NAME="$(basename "${BASH_SOURCE[1]}" .sh)"
CURRENT_STAGE="start"

report_failed_stage() {
  local status=$?
  if [[ ${status} -ne 0 ]]; then
    echo "${SCRIPT_NAME}: FAILED in stage '${CURRENT_STAGE}' (exit status ${status})" >&2
  fi
}
trap report_failed_stage EXIT

# stage NAME COMMAND...: prints a header, then runs COMMAND under set -e (never call it after
# `if`, `!`, `&&` or `||`: bash would switch errexit off inside COMMAND).
stage() {
  CURRENT_STAGE="$1"
  shift
  printf '\n=== %s: %s\n' "${SCRIPT_NAME}" "${CURRENT_STAGE}"
  "$@"
}

# install_dependencies [--with-report]: see scripts/install_dependencies.sh.
install_dependencies() {
  scripts/install_dependencies.sh "$@"
}

# configure BUILD_DIR BUILD_TYPE [CMAKE_ARGS...]
configure() {
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE="$2" "${@:3}"
}
