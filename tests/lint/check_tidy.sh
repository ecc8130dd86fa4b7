#!/usr/bin/env bash
# Runs clang-tidy (the checks of .clang-tidy; every finding is an error) over every translation
# unit of the project's own code: the library compiled one source at a time
# (-DCASCADE_UNITY_BUILD=OFF), the tests, the benchmarks and the examples. Fails on any finding,
# printing it. Usage: tests/lint/check_tidy.sh <cascade source dir> <work dir>
set -euo pipefail
readonly SOURCE_DIR="$1" WORK_DIR="$2"
cmake -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCASCADE_UNITY_BUILD=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# Headers that CMake generates or that the build needs before analysis: none besides the sources.
if ! run-clang-tidy -p "${WORK_DIR}" -quiet -j "$(nproc)" \
     "^${SOURCE_DIR}/(core|pool|tests|benchmarks|examples)/" >"${WORK_DIR}/tidy.log" 2>&1; then
  grep -E "(warning|error): " "${WORK_DIR}/tidy.log" | sort -u | head -50
  echo "check_tidy: FAILED: clang-tidy reported the findings above (full log: ${WORK_DIR}/tidy.log)"
  exit 1
fi
echo "check_tidy: ok: no findings in $(grep -c '"file"' "${WORK_DIR}/compile_commands.json") translation units"
