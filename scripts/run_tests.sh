#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every layer of testing
# (docs/reliability.md), and exits non-zero on the first failure:
#   1. the library, tests, benchmarks and examples in build/test (Debug, warnings as errors), and
#      the whole CTest suite: unit suites at 1, 2 and 4 threads, fault injection, the Relacy model
#      checks, the randomized stress at 1, 2, 4 and 8 threads, the examples and their integration
#      tests, and the docs tests (every C++ and CMake block of the docs is an excerpt of a built
#      file; the API reference builds with Doxygen without a warning);
#   2. the same on the task_group pool backend (oneTBB's public API only) in build/test-task-group;
#   3. the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer (g++,
#      Debian's libtbb) in build/test-asan;
#   4. the whole suite under ThreadSanitizer (clang) in build/test-tsan, against a libtbb that
#      scripts/build_tsan_tbb.sh builds from Debian's onetbb source package (cached in
#      build/tbb-tsan);
#   5. the libFuzzer harness (clang, ASan + UBSan) for a bounded time over its checked-in corpus,
#      in build/test-fuzz.
# Every test runs under the hang watchdog (tests/support/watchdog.sh) and CTest's timeout.
# Usage: scripts/run_tests.sh   (from any directory; CMAKE_BUILD_PARALLEL_LEVEL defaults to nproc)
# Each stage is one function, run by stage() at the bottom: add new stages the same way.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

readonly BUILD_DIR=build/test
readonly TASK_GROUP_BUILD_DIR=build/test-task-group
readonly ASAN_BUILD_DIR=build/test-asan
readonly TSAN_BUILD_DIR=build/test-tsan
readonly TSAN_TBB_DIR=build/tbb-tsan
readonly FUZZ_BUILD_DIR=build/test-fuzz
# Sanitizers stop at the first report; suppressions are checked in, each with its reason.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# The single quotes are for the sanitizer's option parser: the path may hold spaces.
# shellcheck disable=SC2089,SC2090
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions='${PWD}/tests/sanitizers/tsan.suppressions'"
# shellcheck disable=SC2090
export TSAN_OPTIONS

build_everything() {
  configure "${BUILD_DIR}" Debug -DCASCADE_WERROR=ON -DCASCADE_BACKEND=task_layer \
    -DCASCADE_BUILD_TESTS=ON -DCASCADE_BUILD_BENCHMARKS=ON -DCASCADE_BUILD_EXAMPLES=ON
  cmake --build "${BUILD_DIR}"
}

# The second pool backend; benchmarks stay off, since they compare with the default one, and so
# do the Relacy models, which check the same templates on either backend.
build_task_group_backend() {
  configure "${TASK_GROUP_BUILD_DIR}" Debug -DCASCADE_WERROR=ON -DCASCADE_BACKEND=task_group \
    -DCASCADE_BUILD_TESTS=ON -DCASCADE_BUILD_BENCHMARKS=OFF -DCASCADE_BUILD_EXAMPLES=ON \
    -DCASCADE_BUILD_RELACY=OFF
  cmake --build "${TASK_GROUP_BUILD_DIR}"
}

# Every sanitized build: the tests and examples (benchmarks would measure the sanitizer).
readonly SANITIZED_TARGETS=(-DCASCADE_WERROR=ON -DCASCADE_BUILD_TESTS=ON -DCASCADE_BUILD_BENCHMARKS=OFF
                            -DCASCADE_BUILD_EXAMPLES=ON)

build_with_address_sanitizer() {
  configure "${ASAN_BUILD_DIR}" Debug -DCASCADE_SANITIZER=address "${SANITIZED_TARGETS[@]}"
  cmake --build "${ASAN_BUILD_DIR}"
}

# ThreadSanitizer needs every part of the process instrumented by one compiler: clang for
# cascade, its tests and libtbb alike. The examples stay off: their integration tests, like
# signals_test, deliver signals from outside, which TSan cannot promise to handle (see
# run_thread_sanitized_suite).
build_with_thread_sanitizer() {
  local tbb_config_dir
  tbb_config_dir="$(scripts/build_tsan_tbb.sh "${TSAN_TBB_DIR}" | tail -n 1)"
  configure "${TSAN_BUILD_DIR}" RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DTBB_DIR="${tbb_config_dir}" -DCASCADE_SANITIZER=thread -DCASCADE_WERROR=ON \
    -DCASCADE_BUILD_TESTS=ON -DCASCADE_BUILD_BENCHMARKS=OFF -DCASCADE_BUILD_EXAMPLES=OFF
  cmake --build "${TSAN_BUILD_DIR}"
}

# TSan runs a signal's handler only when the receiving thread next enters a function TSan
# intercepts, and a oneTBB worker asleep in a raw futex never does: a signal the kernel gives to
# such a thread waits for ever. So signals_test runs in every other build, not here.
run_thread_sanitized_suite() {
  ctest --test-dir "${TSAN_BUILD_DIR}" --output-on-failure -j2 -LE '^signals_test$'
}

# Only the harness is built: every target is instrumented for libFuzzer there.
build_fuzzer() {
  configure "${FUZZ_BUILD_DIR}" RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCASCADE_SANITIZER=fuzzer -DCASCADE_WERROR=ON -DCASCADE_BUILD_TESTS=ON \
    -DCASCADE_BUILD_BENCHMARKS=OFF -DCASCADE_BUILD_EXAMPLES=OFF
  cmake --build "${FUZZ_BUILD_DIR}" --target cascade_fuzz
}

run_fuzzer() {
  ctest --test-dir "${FUZZ_BUILD_DIR}" --output-on-failure -L fuzz
}

# run_test_suite BUILD_DIR: every test carries its own watchdog and CTest timeout.
run_test_suite() {
  ctest --test-dir "$1" --output-on-failure -j2
}

stage "install dependencies" install_dependencies
stage "build everything (Debug, -Werror, ${BUILD_DIR})" build_everything
stage "run test suite (task_layer backend)" run_test_suite "${BUILD_DIR}"
stage "build on the task_group backend (Debug, -Werror, ${TASK_GROUP_BUILD_DIR})" \
  build_task_group_backend
stage "run test suite (task_group backend)" run_test_suite "${TASK_GROUP_BUILD_DIR}"
stage "build with AddressSanitizer + UBSan (g++, ${ASAN_BUILD_DIR})" build_with_address_sanitizer
stage "run test suite under AddressSanitizer + UBSan + LeakSanitizer" run_test_suite "${ASAN_BUILD_DIR}"
stage "build a TSan libtbb and the suite with ThreadSanitizer (clang, ${TSAN_BUILD_DIR})" \
  build_with_thread_sanitizer
stage "run test suite under ThreadSanitizer (signals_test aside)" run_thread_sanitized_suite
stage "build the libFuzzer harness (clang, ASan + UBSan, ${FUZZ_BUILD_DIR})" build_fuzzer
stage "fuzz for a bounded time" run_fuzzer
echo
echo "run_tests: all stages passed"
