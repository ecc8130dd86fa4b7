#!/usr/bin/env bash
# Installs what building and testing cascade needs on Debian bookworm, and only what is missing:
# when every package is already installed, apt is not touched at all.
# Usage: scripts/install_dependencies.sh [--with-report]   (as root, or as a user with sudo)
#   --with-report: also what the main job's benchmark report needs (Python 3 and matplotlib)
set -euo pipefail

# Compiler and build tools, oneTBB, GoogleTest and Google Benchmark (found through their CMake
# package files), and what the two example programs use: OpenSSL's libcrypto (digest) and
# cpp-httplib (http_shutdown, found through pkg-config). For the test command's reliability
# stages (docs/reliability.md): clang with its sanitizer and libFuzzer runtimes and llvm's
# symbolizer (ThreadSanitizer, the fuzzer), xz-utils (unpacking oneTBB's source for the TSan
# libtbb), Relacy (model checking) and gdb (the hang watchdog's thread stacks). For the docs
# and tracing tests: python3 (scripts/check_doc_snippets.py, the Doxygen filter,
# tests/tracing/check_trace.py) and doxygen
# (scripts/build_api_docs.sh). For the lint tests (tests/lint/): clang-format and clang-tidy.
readonly BUILD_PACKAGES=(cmake ninja-build g++ pkgconf libtbb-dev libgtest-dev libbenchmark-dev
                         libssl-dev libcpp-httplib-dev clang libclang-rt-14-dev llvm xz-utils
                         relacy-dev gdb python3 doxygen clang-format clang-tidy)
# scripts/benchmark_report.py draws its chart with matplotlib (python3 is a build package).
readonly REPORT_PACKAGES=(python3-matplotlib)
REQUIRED_PACKAGES=("${BUILD_PACKAGES[@]}")

is_installed() {
  # grep reads all of dpkg's output (no -q), so dpkg never dies of SIGPIPE under pipefail.
  dpkg -s "$1" 2>/dev/null | grep '^Status: [a-z]* ok installed$' >/dev/null
}

missing_packages() {
  local package
  for package in "${REQUIRED_PACKAGES[@]}"; do
    is_installed "$package" || echo "$package"
  done
}

# Sets the global array AS_ROOT to the command prefix that gives root rights: empty for root,
# sudo for other users. Fails when neither applies.
find_root_prefix() {
  if [[ "$(id -u)" -eq 0 ]]; then
    AS_ROOT=()
  elif command -v sudo >/dev/null 2>&1; then
    AS_ROOT=(sudo)
  else
    return 1
  fi
}

apt_get() {
  "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

fail() {
  echo "install_dependencies: $*" >&2
  exit 1
}

usage_error() {
  echo "usage: scripts/install_dependencies.sh [--with-report]" >&2
  exit 2
}

parse_arguments() {
  case "$#:${1:-}" in
    0:) ;;
    1:--with-report) REQUIRED_PACKAGES+=("${REPORT_PACKAGES[@]}") ;;
    *) usage_error ;;
  esac
}

main() {
  parse_arguments "$@"
  local -a missing
  mapfile -t missing < <(missing_packages)
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install_dependencies: all present (${REQUIRED_PACKAGES[*]})"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    fail "missing ${missing[*]}, and apt-get is not available (this expects Debian bookworm)"
  find_root_prefix ||
    fail "missing ${missing[*]}: run as root, or install sudo, or install them yourself"
  echo "install_dependencies: installing ${missing[*]}"
  { apt_get update && apt_get install -y --no-install-recommends "${missing[@]}"; } ||
    fail "apt-get could not install ${missing[*]}"
  mapfile -t missing < <(missing_packages)
  [[ ${#missing[@]} -eq 0 ]] || fail "still missing after apt-get: ${missing[*]}"
}

main "$@"
