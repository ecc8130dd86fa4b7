#!/usr/bin/env bash
# The main job: installs what is missing, builds cascade in Release (build/release), and runs the
# example programs, each under a header line, then prints a summary. Exits non-zero when the build
# fails or any example does not show the expected outcome.
# Usage: scripts/run_main.sh   (from any directory; CMAKE_BUILD_PARALLEL_LEVEL defaults to nproc)
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

readonly BUILD_DIR=build/release
readonly EXAMPLE_TIMEOUT=60s
# Each example, with the line printed above its output.
readonly EXAMPLES=(
  "parallel_search|a Group searching three backends in parallel (Go's errgroup example)"
  "cancellation_cascade|cancelling the root of a context tree stops every descendant"
  "error_travels_up|a failure five nested groups down comes back from the root's wait()"
)

build_examples() {
  configure "${BUILD_DIR}" Release
  cmake --build "${BUILD_DIR}" --target "${EXAMPLES[@]%%|*}"
}

# run_example NAME: runs one example; on failure says why and returns non-zero.
run_example() {
  local status=0
  timeout "${EXAMPLE_TIMEOUT}" "${BUILD_DIR}/examples/$1" || status=$?
  if [[ ${status} -eq 124 ]]; then
    echo "run_main: $1 did not finish within ${EXAMPLE_TIMEOUT}" >&2
  elif [[ ${status} -ne 0 ]]; then
    echo "run_main: $1 exited with status ${status}" >&2
  fi
  return "${status}"
}

# Runs every example, even after one fails; fails at the end if any did.
run_examples() {
  local entry name failed=()
  for entry in "${EXAMPLES[@]}"; do
    name="${entry%%|*}"
    printf '\n--- %s: %s\n' "${name}" "${entry#*|}"
    run_example "${name}" || failed+=("${name}")
  done
  echo
  if [[ ${#failed[@]} -ne 0 ]]; then
    echo "run_main: ${#failed[@]} of ${#EXAMPLES[@]} examples failed: ${failed[*]}"
    return 1
  fi
  echo "run_main: all ${#EXAMPLES[@]} examples ran as expected (Release build in ${BUILD_DIR})"
}

stage "install dependencies" install_dependencies
stage "build (Release, ${BUILD_DIR})" build_examples
stage "run examples" run_examples
