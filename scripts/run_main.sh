#!/usr/bin/env bash
# The main job: compares cascade with plain oneTBB. Installs what is missing, builds
# cascade_benchmarks in Release (build/release), runs every workload's plain-TBB and cascade
# variants interleaved at 1 and 2 threads (scripts/benchmark_ratios.py), then prints the table
# workload | threads | plain TBB | cascade | ratio | IQR | goal | met? against the goals of
# benchmarks/goals.json (scripts/benchmark_report.py) and writes the raw JSON, the ratios, a
# Markdown report and a PNG chart to results/<UTC timestamp>/, whose path it prints last.
# Exits 0 when the run completed, whether or not every goal is met (the line "N of M
# single-threaded goals met" says how many are); non-zero when a stage fails.
# Usage: scripts/run_main.sh [--long] [--backend task_layer|task_group]
#   (from any directory; CMAKE_BUILD_PARALLEL_LEVEL defaults to nproc). The default short mode
#   takes under 3 minutes on 2 cores; --long repeats more. --backend picks cascade's pool backend
#   (default task_layer, the library's default).
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

readonly BUILD_DIR=build/release
readonly BENCHMARKS="${BUILD_DIR}/benchmarks/cascade_benchmarks"
readonly GOALS=benchmarks/goals.json
# Debian's interpreter, the one python3-matplotlib installs into (a python3 found earlier on PATH,
# such as a pyenv one, would not see it).
readonly PYTHON=/usr/bin/python3
RESULTS_DIR="results/$(date -u +%Y-%m-%dT%H-%M-%SZ)"
readonly RESULTS_DIR

# Repetitions, seconds per repetition, and the time after which the run counts as hung, of each
# mode.
SHORT_REPETITIONS=3
SHORT_MIN_TIME=0.05
SHORT_TIMEOUT=10m
LONG_REPETITIONS=12
LONG_MIN_TIME=0.2
LONG_TIMEOUT=40m

usage_error() {
  echo "usage: scripts/run_main.sh [--long] [--backend task_layer|task_group]" >&2
  exit 2
}

# Sets MODE, REPETITIONS, MIN_TIME, RUN_TIMEOUT and BACKEND from the command line.
parse_arguments() {
  local mode_name=short
  REPETITIONS=${SHORT_REPETITIONS} MIN_TIME=${SHORT_MIN_TIME} RUN_TIMEOUT=${SHORT_TIMEOUT}
  BACKEND=task_layer
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --long)
        mode_name=long REPETITIONS=${LONG_REPETITIONS} MIN_TIME=${LONG_MIN_TIME}
        RUN_TIMEOUT=${LONG_TIMEOUT}
        ;;
      --backend)
        [[ "${2:-}" == task_layer || "${2:-}" == task_group ]] || usage_error
        BACKEND="$2"
        shift
        ;;
      *) usage_error ;;
    esac
    shift
  done
  MODE="${mode_name}: ${REPETITIONS} repetitions x ${MIN_TIME} s, tbb and cascade interleaved"
}

build_benchmarks() {
  configure "${BUILD_DIR}" Release -DCASCADE_BACKEND="${BACKEND}" -DCASCADE_BUILD_BENCHMARKS=ON \
    -DCASCADE_BUILD_TESTS=OFF -DCASCADE_BUILD_EXAMPLES=OFF
  cmake --build "${BUILD_DIR}" --target cascade_benchmarks
}

load_average() {
  cut -d ' ' -f 1-3 /proc/loadavg
}

# Keeps benchmark_ratios.py's own table in the results folder: the report prints the main one.
# A run past RUN_TIMEOUT is stopped (timeout signals the benchmark binary too) and fails.
# timeout runs in a process group of its own, which a Ctrl-C at the terminal does not reach: the
# trap stops that group (timeout, the script, the benchmark binary) and this script with it.
run_benchmarks() {
  local status=0 runner
  mkdir -p "${RESULTS_DIR}"
  LOAD_BEFORE="$(load_average)"
  timeout "${RUN_TIMEOUT}" "${PYTHON}" scripts/benchmark_ratios.py --binary "${BENCHMARKS}" \
    --repetitions "${REPETITIONS}" --min-time "${MIN_TIME}" \
    --save-json "${RESULTS_DIR}/benchmarks.json" --ratios-json "${RESULTS_DIR}/ratios.json" \
    >"${RESULTS_DIR}/benchmark_ratios.txt" &
  runner=$!
  trap 'kill -TERM -- "-${runner}" 2>/dev/null || kill -TERM "${runner}"; echo "run_main: interrupted" >&2; exit 130' \
    INT TERM
  wait "${runner}" || status=$?
  trap - INT TERM
  LOAD_AFTER="$(load_average)"
  if [[ ${status} -eq 124 ]]; then
    echo "run_main: the benchmarks did not finish within ${RUN_TIMEOUT}: one of them hangs" >&2
  fi
  return "${status}"
}

report() {
  "${PYTHON}" scripts/benchmark_report.py --ratios-json "${RESULTS_DIR}/ratios.json" \
    --goals "${GOALS}" --out "${RESULTS_DIR}" --mode "${MODE}" --backend "${BACKEND}" \
    --load-before "${LOAD_BEFORE}" --load-after "${LOAD_AFTER}"
}

parse_arguments "$@"
stage "install dependencies" install_dependencies --with-report
stage "build (Release, ${BACKEND} backend, ${BUILD_DIR})" build_benchmarks
stage "run benchmarks (${MODE})" run_benchmarks
stage "report" report
echo
echo "run_main: results in $(pwd)/${RESULTS_DIR}"
