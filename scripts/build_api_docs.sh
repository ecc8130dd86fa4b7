#!/usr/bin/env bash
# Builds cascade's API reference from the public headers (api/include/cascade/, detail/ aside)
# with Doxygen (Debian's doxygen package, installed through scripts/install_dependencies.sh when
# missing) into build/docs/api/index.html, or into OUTPUT_DIR. docs/Doxyfile turns every warning
# into a failure, with WARN_IF_UNDOCUMENTED: a public entity without a contract comment, or a
# comment Doxygen cannot read, fails this command with the header and line. The headers' plain
# `//` comments reach Doxygen through scripts/doxygen_comment_filter.py. The test command runs
# this as the CTest test docs.api.
# Usage: scripts/build_api_docs.sh [OUTPUT_DIR]   (from any directory; OUTPUT_DIR relative to the
#        repository root)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly OUTPUT_DIR="${1:-build/docs/api}"

command -v doxygen >/dev/null 2>&1 || scripts/install_dependencies.sh
version="$(sed -n 's/^#define CASCADE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
  api/include/cascade/version.hpp | paste -sd.)"
mkdir -p "${OUTPUT_DIR}"
# Doxygen reads the settings from stdin: the Doxyfile, then the two that depend on this run.
{
  cat docs/Doxyfile
  echo "PROJECT_NUMBER = ${version}"
  echo "OUTPUT_DIRECTORY = ${OUTPUT_DIR}"
} | doxygen -
echo "build_api_docs: API reference of cascade ${version} in ${OUTPUT_DIR}/index.html"
