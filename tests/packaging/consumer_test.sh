#!/usr/bin/env bash
# Builds cascade the way a user would take it, and a tiny program (consumer.cpp) against it:
#   static: install (Release, static library) into a prefix, then the find_package(cascade)
#           consumer, a pkg-config consumer, the add_subdirectory consumer and the FetchContent
#           consumer (both from this source tree);
#   shared: the same install as a shared library, then the find_package and pkg-config consumers.
# Each consumer must build and print "consumer: ok". Usage:
#   tests/packaging/consumer_test.sh <cascade source dir> <empty work dir> static|shared
set -euo pipefail

readonly SOURCE_DIR="$1" WORK_DIR="$2" LINKAGE="$3"
[[ "${LINKAGE}" == static || "${LINKAGE}" == shared ]] || {
  echo "consumer_test.sh: the linkage is '${LINKAGE}'; use static or shared" >&2
  exit 2
}
SHARED=OFF
[[ "${LINKAGE}" == shared ]] && SHARED=ON
readonly SHARED PREFIX="${WORK_DIR}/prefix"

# Quiet when it works; on a failure the tool's whole output is shown.
quietly() {
  local output
  if ! output="$("$@" 2>&1)"; then
    printf '%s\n' "${output}" >&2
    echo "consumer_test.sh: failed: $*" >&2
    return 1
  fi
}

configure_and_build() {  # <source> <build dir> [cmake arguments...]
  quietly cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release "${@:3}"
  quietly cmake --build "$2"
}

install_cascade() {
  configure_and_build "${SOURCE_DIR}" "${WORK_DIR}/library" -DBUILD_SHARED_LIBS="${SHARED}" \
    -DCASCADE_BUILD_TESTS=OFF -DCASCADE_BUILD_BENCHMARKS=OFF -DCASCADE_BUILD_EXAMPLES=OFF
  quietly cmake --install "${WORK_DIR}/library" --prefix "${PREFIX}"
}

run_cmake_consumer() {  # <consumer folder under tests/packaging> [cmake arguments...]
  echo "== $1 (${LINKAGE})"
  configure_and_build "${SOURCE_DIR}/tests/packaging/$1" "${WORK_DIR}/$1" "${@:2}"
  "${WORK_DIR}/$1/consumer"
}

run_pkg_config_consumer() {
  echo "== pkg-config (${LINKAGE})"
  local pc_dir flags
  pc_dir="$(dirname "$(find "${PREFIX}" -name cascade.pc)")"
  flags="$(PKG_CONFIG_PATH="${pc_dir}" pkg-config --cflags --libs cascade)"
  # shellcheck disable=SC2086 # the flags are words
  g++ "${SOURCE_DIR}/tests/packaging/consumer.cpp" -o "${WORK_DIR}/pkg_config_consumer" ${flags} \
    -Wl,-rpath,"${pc_dir}/.."
  "${WORK_DIR}/pkg_config_consumer"
}

main() {
  rm -rf "${WORK_DIR}"
  mkdir -p "${WORK_DIR}"
  install_cascade
  run_cmake_consumer find_package_consumer -DCMAKE_PREFIX_PATH="${PREFIX}"
  run_pkg_config_consumer
  if [[ "${LINKAGE}" == static ]]; then
    run_cmake_consumer subdirectory_consumer -DCASCADE_SOURCE_DIR="${SOURCE_DIR}"
    run_cmake_consumer fetchcontent_consumer -DCASCADE_SOURCE_DIR="${SOURCE_DIR}"
  fi
}

main
