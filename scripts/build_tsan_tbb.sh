#!/usr/bin/env bash
# Builds a ThreadSanitizer-instrumented libtbb from Debian's own onetbb source package, with clang
# (the compiler of the TSan test build: two TSan runtimes in one process crash at start-up), and
# installs it under OUT_DIR/install, where the TSan build finds it (-DTBB_DIR=...). TSan cannot see
# the hand-offs inside an uninstrumented libtbb and reports only false races against it
# (docs/reliability.md).
# The source comes through a private apt state under OUT_DIR whose deb-src entries are derived
# from this machine's own apt sources, so no mirror is named here and the system's apt state is
# untouched. The source version is the installed libtbb-dev's, so the TSan libtbb matches the
# headers the other builds use. The result is cached: a second run for the same version does
# nothing.
# Usage: scripts/build_tsan_tbb.sh OUT_DIR      (prints the TBB_DIR to use on its last line)
set -euo pipefail
shopt -s inherit_errexit

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: scripts/build_tsan_tbb.sh OUT_DIR" >&2
  exit 2
fi
mkdir -p "$1"
OUT_DIR="$(cd "$1" && pwd)"
readonly OUT_DIR
readonly SOURCE_PACKAGE=onetbb
readonly INSTALL_DIR="${OUT_DIR}/install"
readonly STAMP="${INSTALL_DIR}/.built-from"
SOURCE_VERSION="$(dpkg-query -W -f='${source:Version}' libtbb-dev)"
readonly SOURCE_VERSION

# The machine's deb entries, as deb-src entries, in both of apt's formats.
write_source_entries() {
  local parts="$1" file
  mkdir -p "${parts}"
  rm -f "${parts}"/*
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "${file}" ]] || continue
    sed 's/^Types:.*$/Types: deb-src/' "${file}" >"${parts}/$(basename "${file}")"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "${file}" ]] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "${file}" >"${parts}/$(basename "${file}").list"
  done
  if ! compgen -G "${parts}/*" >/dev/null; then
    echo "build_tsan_tbb: this machine has no apt sources to derive deb-src entries from" >&2
    exit 1
  fi
}

# Downloads the source package into OUT_DIR/download and prints the path of its orig tarball.
download_source() {
  local apt_options=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=${OUT_DIR}/apt/parts"
                     -o "Dir::State::Lists=${OUT_DIR}/apt/lists" -o "Dir::Cache=${OUT_DIR}/apt/cache")
  mkdir -p "${OUT_DIR}/apt/lists/partial" "${OUT_DIR}/apt/cache/archives/partial" "${OUT_DIR}/download"
  write_source_entries "${OUT_DIR}/apt/parts"
  # A third-party entry without sources makes update fail; what matters is that the package is found.
  apt-get "${apt_options[@]}" update >&2 || echo "build_tsan_tbb: apt-get update reported errors" >&2
  (cd "${OUT_DIR}/download" &&
    apt-get "${apt_options[@]}" source --download-only "${SOURCE_PACKAGE}=${SOURCE_VERSION}" >&2)
  local upstream_version="${SOURCE_VERSION#*:}"  # no epoch, no Debian revision
  upstream_version="${upstream_version%-*}"
  local tarballs=("${OUT_DIR}"/download/"${SOURCE_PACKAGE}"_"${upstream_version}".orig.tar.*)
  [[ -f "${tarballs[0]}" ]] || { echo "build_tsan_tbb: no ${SOURCE_PACKAGE} source tarball" >&2; exit 1; }
  echo "${tarballs[0]}"
}

# Debian's patches touch only oneTBB's tests, ITT and mips, so the upstream tarball is built as is.
# TBB_STRICT=OFF: with -Werror, clang's and gcc's TSan warnings about fences stop the build.
build_and_install() {
  local tarball="$1" source_dir="${OUT_DIR}/source" build_dir="${OUT_DIR}/build"
  rm -rf "${source_dir}" "${build_dir}" "${INSTALL_DIR}"
  mkdir -p "${source_dir}"
  tar xf "${tarball}" -C "${source_dir}" --strip-components=1
  cmake -S "${source_dir}" -B "${build_dir}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTBB_SANITIZE=thread -DTBB_STRICT=OFF \
    -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_ENABLE_IPO=OFF \
    -DCMAKE_INSTALL_PREFIX="${INSTALL_DIR}" -DCMAKE_INSTALL_LIBDIR=lib >&2
  cmake --build "${build_dir}" >&2
  cmake --install "${build_dir}" >&2
  echo "${SOURCE_VERSION}" >"${STAMP}"
}

main() {
  if [[ -f "${STAMP}" && "$(<"${STAMP}")" == "${SOURCE_VERSION}" ]]; then
    echo "build_tsan_tbb: cached, built from ${SOURCE_PACKAGE} ${SOURCE_VERSION}" >&2
  else
    local tarball
    tarball="$(download_source)"
    build_and_install "${tarball}"
  fi
  echo "${INSTALL_DIR}/lib/cmake/TBB"
}

main
