#!/usr/bin/env bash
# Writes a trace with trace_tree twice, through the API and through CASCADE_TRACE alone, and checks
# each with check_trace.py. Usage: trace_test.sh <trace_tree binary> <work dir>
set -euo pipefail
readonly CHECK="$(dirname "${BASH_SOURCE[0]}")/check_trace.py"
mkdir -p "$2"
rm -f "$2/by_call.json" "$2/by_environment.json"
"$1" "$2/by_call.json"
/usr/bin/python3 "${CHECK}" "$2/by_call.json"
CASCADE_TRACE="$2/by_environment.json" "$1"
/usr/bin/python3 "${CHECK}" "$2/by_environment.json"
