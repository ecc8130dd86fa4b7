#!/usr/bin/env bash
# The test command: installs what is missing, builds everything (library, tests, benchmarks,
# examples) in build/test with warnings as errors, checks that the README's example is the real
# one, and runs the whole CTest suite; then builds the library, tests and examples again on the
# task_group pool backend (oneTBB's public API only, docs/design.md) in build/test-task-group and
# runs the suite there too. Exits non-zero on any failure.
# Usage: scripts/run_tests.sh   (from any directory; CMAKE_BUILD_PARALLEL_LEVEL defaults to nproc)
# Each stage is one function, run by stage() at the bottom: add new stages the same way.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

readonly BUILD_DIR=build/test
readonly TASK_GROUP_BUILD_DIR=build/test-task-group

build_everything() {
  configure "${BUILD_DIR}" Debug -DCASCADE_WERROR=ON -DCASCADE_BACKEND=task_layer \
    -DCASCADE_BUILD_TESTS=ON -DCASCADE_BUILD_BENCHMARKS=ON -DCASCADE_BUILD_EXAMPLES=ON
  cmake --build "${BUILD_DIR}"
}

# The README's C++ block must appear, unchanged, in examples/parallel_search.cpp.
check_readme_example() {
  local readme_example example
  # shellcheck disable=SC2016 # the backquotes are Markdown, not shell
  readme_example="$(sed -n '/^```cpp$/,/^```$/{/^```/d;p}' README.md)"
  example="$(<examples/parallel_search.cpp)"
  if [[ -z "${readme_example}" || "${example}" != *"${readme_example}"* ]]; then
    echo "README.md's example differs from examples/parallel_search.cpp: copy it again" >&2
    return 1
  fi
  echo "README.md's example matches examples/parallel_search.cpp"
}

# The second pool backend; benchmarks stay off, since they compare with the default one.
build_task_group_backend() {
  configure "${TASK_GROUP_BUILD_DIR}" Debug -DCASCADE_WERROR=ON -DCASCADE_BACKEND=task_group \
    -DCASCADE_BUILD_TESTS=ON -DCASCADE_BUILD_BENCHMARKS=OFF -DCASCADE_BUILD_EXAMPLES=ON
  cmake --build "${TASK_GROUP_BUILD_DIR}"
}

# run_test_suite BUILD_DIR: every test carries its own CTest timeout.
run_test_suite() {
  ctest --test-dir "$1" --output-on-failure -j2
}

stage "install dependencies" install_dependencies
stage "build everything (Debug, -Werror, ${BUILD_DIR})" build_everything
stage "check README example" check_readme_example
stage "run test suite (task_layer backend)" run_test_suite "${BUILD_DIR}"
stage "build on the task_group backend (Debug, -Werror, ${TASK_GROUP_BUILD_DIR})" \
  build_task_group_backend
stage "run test suite (task_group backend)" run_test_suite "${TASK_GROUP_BUILD_DIR}"
echo
echo "run_tests: all stages passed"
