#!/usr/bin/env python3
"""Compares cascade with plain oneTBB from one cascade_benchmarks run.

Runs the benchmark binary (or reads the JSON it wrote) with tbb and cascade variants interleaved
at random, then prints, for each workload and thread count, median(cascade) / median(tbb) of the
time per iteration (wall clock unless --time cpu) and the interquartile range of the
per-repetition ratios, with each variant's counters (ns_per_<item>, bytes_per_<item>, ...; the
benchmarks measure them in wall-clock time, whatever --time says).
Exits non-zero when a single-threaded ratio exceeds its gate (--gate flat=1.10): on a small
shared machine only the 1-thread ratios are stable enough to gate on; the others are reported.

Benchmark names are "<workload>/<variant>[/<parameter>...]/threads:<n>", where <variant> is
"tbb" or "cascade", optionally followed by Google Benchmark's own parts ("iterations:100",
"manual_time"); a workload's key is its name without the variant, the thread count and those
parts ("flat", or "cancel_depth/depth:8" for a parameterised one). A "manual_time" benchmark
times only the part of its iteration that counts, and that time is compared even under
--time cpu. A benchmark labelled "ratio_of=<counter>" is compared on that counter instead of its
time (memory: bytes_per_task). --ratios-json writes every row with its medians, units and
counters. Python 3 standard library only.
"""

import argparse
import json
import math
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

VARIANTS = ("tbb", "cascade")
GATED_THREADS = 1
NANOSECONDS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
TIME_SCALES = (("s", 1e9), ("ms", 1e6), ("us", 1e3))  # larger first; below 1 us: ns
MANUAL_TIME = "manual_time"
# Name parts Google Benchmark appends on its own; they are not part of a workload's key.
RUNNER_PARTS = (MANUAL_TIME, "real_time", "process_time")
RUNNER_PREFIXES = ("iterations:", "repeats:", "min_time:", "min_warmup_time:")
RATIO_OF_LABEL = "ratio_of="
EXIT_GATE_FAILED = 1
EXIT_BAD_RUN = 2


class BadRun(Exception):
    """The run cannot be compared: a benchmark failed, a pair is incomplete, a gate is unknown."""


@dataclass
class Series:
    """The repetitions of one variant of one workload at one thread count."""

    times_ns: dict = field(default_factory=dict)  # repetition index -> ns per iteration
    per_item_ns: list = field(default_factory=list)  # ns_per_<item> counter (wall clock)
    item: str = ""
    counters: dict = field(default_factory=dict)  # counter name -> {repetition index -> value}
    ratio_of: str = ""  # the counter compared instead of the time, if any

    def basis_values(self):
        """Repetition index -> the values the ratio compares."""
        return self.counters.get(self.ratio_of, {}) if self.ratio_of else self.times_ns

    def counter_medians(self):
        return {name: statistics.median(values.values())
                for name, values in sorted(self.counters.items())}


@dataclass
class Comparison:
    key: str
    threads: int
    tbb: Series
    cascade: Series
    ratio: float
    ratio_q1: float
    ratio_q3: float
    basis: str = "time"
    gate: float = None

    @property
    def gated(self):
        return self.gate is not None and self.threads == GATED_THREADS

    @property
    def met(self):
        return not self.gated or self.ratio <= self.gate


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--binary", type=Path, help="cascade_benchmarks executable to run")
    source.add_argument("--json", type=Path, help="read a JSON file the binary wrote instead")
    parser.add_argument("--repetitions", type=int, default=12, help="repetitions (default 12)")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="seconds per repetition (default 0.2)")
    parser.add_argument("--warmup", type=float, default=0.05,
                        help="untimed seconds before each benchmark (default 0.05)")
    parser.add_argument("--filter", default="", help="regular expression of benchmarks to run")
    parser.add_argument("--save-json", type=Path, help="write the binary's raw JSON here")
    parser.add_argument("--ratios-json", type=Path, help="write the computed ratios here")
    parser.add_argument("--time", choices=("real", "cpu"), default="real",
                        help="compare wall-clock time (default) or the main thread's CPU time; "
                             "cpu resists a loaded machine, but means something at 1 thread only")
    parser.add_argument("--gate", action="append", default=[], metavar="WORKLOAD=MAX",
                        help="fail when the 1-thread ratio of WORKLOAD exceeds MAX (repeatable)")
    arguments = parser.parse_args()
    arguments.gates = parse_gates(parser, arguments.gate)
    return arguments


def parse_gates(parser, specs):
    gates = {}
    for spec in specs:
        key, separator, value = spec.partition("=")
        try:
            gates[key] = float(value)
        except ValueError:
            separator = ""
        if not separator or not key:
            parser.error(f"--gate expects WORKLOAD=MAX, got {spec!r}")
    return gates


def read_load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


# Every workload runs in a process of its own at each thread count. Interleaved in one process,
# runs leave both allocators' free lists in an order that depends on what ran before (a 2-thread
# run leaves blocks spread over two threads' lists), and the workloads that stream through many
# tasks (flat, cancel_drain, dag) then measure that order more than their own code: in runs of one
# build (2026-12-07) flat's 1-thread ratio was 0.65 and 1.47 with every workload in one process,
# 0.64 with each workload in its own, and 1.13-1.15 in every run of its 1-thread pair alone.
def list_configurations(binary):
    """The (workload, thread count) pairs of the binary's benchmarks, in its order."""
    completed = subprocess.run([str(binary), "--benchmark_list_tests=true"],
                               stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode != 0:
        raise BadRun(f"{binary} --benchmark_list_tests exited with status {completed.returncode}")
    configurations = []
    for name in completed.stdout.split():
        threads = [part for part in name.split("/") if part.startswith("threads:")]
        configuration = (name.split("/")[0], threads[0] if threads else None)
        if configuration not in configurations:
            configurations.append(configuration)
    return configurations


def configuration_filter(workload, threads):
    """A --benchmark_filter for one workload at one thread count ('threads:1'), or at all (None)."""
    pattern = "^" + re.escape(workload) + "/"
    return pattern + ".*" + re.escape(threads) + "(/|$)" if threads else pattern


def run_process(arguments, benchmark_filter):
    command = [
        str(arguments.binary),
        "--benchmark_enable_random_interleaving=true",
        f"--benchmark_repetitions={arguments.repetitions}",
        f"--benchmark_min_time={arguments.min_time}",
        f"--benchmark_min_warmup_time={arguments.warmup}",
        "--benchmark_format=json",
        f"--benchmark_filter={benchmark_filter}",
    ]
    print("running: " + " ".join(command), file=sys.stderr)
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode != 0:
        raise BadRun(f"{arguments.binary} exited with status {completed.returncode}")
    return json.loads(completed.stdout)


def run_binary(arguments):
    """Runs the binary (each workload at each thread count in a process of its own, unless a
    filter is given) and returns one report: the first process's context with every process's
    benchmarks."""
    if arguments.filter:
        filters = [arguments.filter]
    else:
        filters = [configuration_filter(workload, threads)
                   for workload, threads in list_configurations(arguments.binary)]
        if not filters:
            raise BadRun(f"{arguments.binary} lists no <workload>/<tbb|cascade>/threads:<n> "
                         "benchmarks")
    print(f"load average before: {read_load_average()}", file=sys.stderr)
    reports = [run_process(arguments, benchmark_filter) for benchmark_filter in filters]
    print(f"load average after: {read_load_average()}", file=sys.stderr)
    report = reports[0]
    for other in reports[1:]:
        report["benchmarks"].extend(other["benchmarks"])
    if arguments.save_json:
        arguments.save_json.write_text(json.dumps(report, indent=1))
    return report


def read_report(path):
    return json.loads(path.read_text())


def is_runner_part(part):
    return part in RUNNER_PARTS or part.startswith(RUNNER_PREFIXES)


def split_name(run_name):
    """'fib/cascade/threads:1' -> ('fib', 'cascade', 1); None for names outside the scheme."""
    parts = [part for part in run_name.split("/") if not is_runner_part(part)]
    variant_positions = [index for index, part in enumerate(parts) if part in VARIANTS]
    thread_parts = [part for part in parts if part.startswith("threads:")]
    if len(variant_positions) != 1 or len(thread_parts) != 1:
        return None
    variant_position = variant_positions[0]
    key_parts = [part for index, part in enumerate(parts)
                 if index != variant_position and part not in thread_parts]
    return "/".join(key_parts), parts[variant_position], int(thread_parts[0].split(":")[1])


# The fields of an entry that are not user counters.
ENTRY_FIELDS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
    "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
    "error_occurred", "error_message", "aggregate_name", "aggregate_unit", "big_o", "rms",
    "complexity_n", "bytes_per_second", "items_per_second",
}


def user_counters(entry):
    return {name: value for name, value in entry.items()
            if name not in ENTRY_FIELDS and isinstance(value, (int, float))
            and not isinstance(value, bool)}


def collect_series(report, time_field):
    """Groups the per-repetition entries: (key, threads) -> {variant: Series}."""
    series = {}
    for entry in report["benchmarks"]:
        if entry.get("run_type") != "iteration":
            continue
        if entry.get("error_occurred"):
            raise BadRun(f"{entry['name']} failed: {entry.get('error_message', '')}")
        parsed = split_name(entry["run_name"])
        if parsed is None:
            continue
        key, variant, threads = parsed
        one = series.setdefault((key, threads), {}).setdefault(variant, Series())
        manual = MANUAL_TIME in entry["run_name"].split("/")
        field_used = "real_time" if manual else time_field
        nanoseconds = entry[field_used] * NANOSECONDS_PER_UNIT[entry["time_unit"]]
        repetition = entry.get("repetition_index", len(one.times_ns))
        one.times_ns[repetition] = nanoseconds
        label = entry.get("label", "")
        if label.startswith(RATIO_OF_LABEL):
            one.ratio_of = label[len(RATIO_OF_LABEL):]
        for name, value in user_counters(entry).items():
            one.counters.setdefault(name, {})[repetition] = value
            if name.startswith("ns_per_") and time_field == "real_time":
                one.item = name[len("ns_per_"):]
                one.per_item_ns.append(value)
    return series


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    lower, _, upper = statistics.quantiles(values, n=4, method="inclusive")
    return lower, upper


def compare(key, threads, pair):
    missing = [variant for variant in VARIANTS if variant not in pair]
    if missing:
        raise BadRun(f"{key} at {threads} threads has no {' or '.join(missing)} variant")
    tbb, cascade = pair["tbb"], pair["cascade"]
    if tbb.ratio_of != cascade.ratio_of:
        raise BadRun(f"{key} at {threads} threads: the variants compare different quantities")
    tbb_values, cascade_values = tbb.basis_values(), cascade.basis_values()
    if not tbb_values or not cascade_values:
        raise BadRun(f"{key} at {threads} threads: no {tbb.ratio_of} counter")
    ratio = safe_ratio(statistics.median(cascade_values.values()),
                       statistics.median(tbb_values.values()))
    shared = sorted(tbb_values.keys() & cascade_values.keys())
    per_repetition = [safe_ratio(cascade_values[index], tbb_values[index]) for index in shared]
    q1, q3 = quartiles(per_repetition or [ratio])
    return Comparison(key, threads, tbb, cascade, ratio, q1, q3, tbb.ratio_of or "time")


def safe_ratio(numerator, denominator):
    """numerator / denominator, or NaN when the denominator is 0: there is no ratio then (a
    latency too short for the clock). NaN meets no gate, and --ratios-json writes it as null."""
    return numerator / denominator if denominator else float("nan")


def build_comparisons(report, gates, time_field):
    series = collect_series(report, time_field)
    if not series:
        raise BadRun("the report holds no <workload>/<tbb|cascade>/threads:<n> benchmarks")
    comparisons = [compare(key, threads, pair) for (key, threads), pair in sorted(series.items())]
    gated_keys = {c.key for c in comparisons if c.threads == GATED_THREADS}
    unknown = sorted(set(gates) - gated_keys)
    if unknown:
        raise BadRun(f"no {GATED_THREADS}-thread measurement for gate(s): {', '.join(unknown)}")
    for comparison in comparisons:
        comparison.gate = gates.get(comparison.key)
    return comparisons


def format_ns(nanoseconds):
    unit, scale = next(((unit, scale) for unit, scale in TIME_SCALES if nanoseconds >= scale),
                       ("ns", 1.0))
    return f"{nanoseconds / scale:.4g} {unit}"


def counter_unit(name):
    """'ns_per_task' -> 'ns', 'bytes_per_task' -> 'bytes'; '' when the name says none."""
    unit = name.split("_", 1)[0]
    return unit if unit in ("ns", "bytes") else ""


def describe_counter(name, value):
    """'ns_per_task' 95.2 -> '95.2 ns/task'; 'ns_latency' 2500 -> 'latency 2.5 us'."""
    unit = counter_unit(name)
    if not unit:
        return f"{name} {value:.4g}"
    what = name[len(unit) + 1:]
    amount = format_ns(value) if unit == "ns" else f"{value:.4g} B"
    if what.startswith("per_"):
        return f"{amount}/{what[len('per_'):]}"
    return f"{what} {amount}"


def describe(series):
    """A variant's medians for a reader: its counters, or else its time per iteration."""
    medians = series.counter_medians()
    if medians:
        return ", ".join(describe_counter(name, value) for name, value in medians.items())
    return format_ns(statistics.median(series.times_ns.values()))


def gate_text(comparison):
    if not comparison.gated:
        return "" if comparison.threads == GATED_THREADS else "(not gated)"
    verdict = "ok" if comparison.met else "EXCEEDED"
    return f"<= {comparison.gate:.2f} {verdict}"


def print_table(comparisons):
    header = ("workload", "threads", "tbb (median)", "cascade (median)", "ratio",
              "IQR of ratios", "gate")
    rows = [(c.key, str(c.threads), describe(c.tbb), describe(c.cascade),
             f"{c.ratio:.3f}", f"[{c.ratio_q1:.3f}, {c.ratio_q3:.3f}]", gate_text(c))
            for c in comparisons]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def counter_rows(comparison):
    tbb, cascade = comparison.tbb.counter_medians(), comparison.cascade.counter_medians()
    return {name: {"unit": counter_unit(name), "tbb": tbb[name], "cascade": cascade[name],
                   "ratio": safe_ratio(cascade[name], tbb[name])}
            for name in sorted(tbb.keys() & cascade.keys())}


def ratio_row(c):
    """One row of --ratios-json. The ratio compares "basis": "time" (tbb_median_ns and
    cascade_median_ns, the time per iteration; for a manual-time benchmark, of its measured part)
    or a counter (tbb_median and cascade_median, in "unit"); "counters" holds every counter's
    medians, and tbb_text and cascade_text describe them for a reader."""
    tbb_time = statistics.median(c.tbb.times_ns.values())
    cascade_time = statistics.median(c.cascade.times_ns.values())
    counters = counter_rows(c)
    by_counter = c.basis != "time"
    return {
        "workload": c.key, "threads": c.threads, "ratio": c.ratio,
        "ratio_q1": c.ratio_q1, "ratio_q3": c.ratio_q3, "gate": c.gate, "met": c.met,
        "tbb_median_ns": tbb_time, "cascade_median_ns": cascade_time,
        "repetitions": min(len(c.tbb.times_ns), len(c.cascade.times_ns)),
        "basis": c.basis,
        "unit": counter_unit(c.basis) if by_counter else "ns",
        "tbb_median": counters[c.basis]["tbb"] if by_counter else tbb_time,
        "cascade_median": counters[c.basis]["cascade"] if by_counter else cascade_time,
        "tbb_text": describe(c.tbb), "cascade_text": describe(c.cascade),
        "counters": counters,
    }


def without_non_finite(value):
    """`value` with every NaN or infinite number replaced by None, so that the JSON is standard."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: without_non_finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_non_finite(item) for item in value]
    return value


def write_ratios(path, comparisons):
    rows = without_non_finite([ratio_row(c) for c in comparisons])
    path.write_text(json.dumps(rows, indent=2, allow_nan=False) + "\n")


def main():
    arguments = parse_arguments()
    try:
        report = run_binary(arguments) if arguments.binary else read_report(arguments.json)
        comparisons = build_comparisons(report, arguments.gates, f"{arguments.time}_time")
    except (BadRun, OSError, ValueError, KeyError) as problem:
        print(f"benchmark_ratios: {problem}", file=sys.stderr)
        return EXIT_BAD_RUN
    print_table(comparisons)
    if arguments.ratios_json:
        write_ratios(arguments.ratios_json, comparisons)
    failed = [c for c in comparisons if not c.met]
    for comparison in failed:
        print(f"gate exceeded: {comparison.key}, {comparison.threads} thread(s): ratio "
              f"{comparison.ratio:.3f} > {comparison.gate:.2f}", file=sys.stderr)
    return EXIT_GATE_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
