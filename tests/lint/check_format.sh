#!/usr/bin/env bash
# Fails when a C++ file of the project differs from .clang-format's layout, naming each file and
# the first lines that differ. Fix with: clang-format -i <file>.
# Usage: tests/lint/check_format.sh <cascade source dir>
set -euo pipefail
cd "$1"
mapfile -t files < <(find api core pool tests benchmarks examples \( -name '*.cpp' -o -name '*.hpp' \) \
                       -not -path 'tests/fuzz/corpus/*' | LC_ALL=C sort)
unformatted=0
for file in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "${file}" >/dev/null 2>&1; then
    echo "check_format: ${file} is not formatted (clang-format -i ${file}):"
    diff <(cat "${file}") <(clang-format "${file}") | head -8 || true
    unformatted=$((unformatted + 1))
  fi
done
if [[ "${unformatted}" -gt 0 ]]; then
  echo "check_format: FAILED: ${unformatted} of ${#files[@]} files are not formatted"
  exit 1
fi
echo "check_format: ok: ${#files[@]} files match .clang-format"
