#!/usr/bin/env python3
"""Compares cascade with plain oneTBB from one cascade_benchmarks run.

Runs the benchmark binary (or reads the JSON it wrote) with tbb and cascade variants interleaved
at random, then prints, for each workload and thread count, median(cascade) / median(tbb) of the
time per iteration (wall clock unless --time cpu) and the interquartile range of the
per-repetition ratios. Exits non-zero when a single-threaded ratio exceeds its gate
(--gate flat=1.10): on a small shared machine only the 1-thread ratios are stable enough to gate
on; the others are reported.

Benchmark names are "<workload>/<variant>[/<parameter>...]/threads:<n>", where <variant> is
"tbb" or "cascade"; a workload's key is its name without the variant and the thread count
("flat", or "cancel_depth/depth:8" for a parameterised one). Python 3 standard library only.
"""

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

VARIANTS = ("tbb", "cascade")
GATED_THREADS = 1
NANOSECONDS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
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


@dataclass
class Comparison:
    key: str
    threads: int
    tbb: Series
    cascade: Series
    ratio: float
    ratio_q1: float
    ratio_q3: float
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


def run_binary(arguments):
    command = [
        str(arguments.binary),
        "--benchmark_enable_random_interleaving=true",
        f"--benchmark_repetitions={arguments.repetitions}",
        f"--benchmark_min_time={arguments.min_time}",
        f"--benchmark_min_warmup_time={arguments.warmup}",
        "--benchmark_format=json",
    ]
    if arguments.filter:
        command.append(f"--benchmark_filter={arguments.filter}")
    print(f"load average before: {read_load_average()}", file=sys.stderr)
    print("running: " + " ".join(command), file=sys.stderr)
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    print(f"load average after: {read_load_average()}", file=sys.stderr)
    if completed.returncode != 0:
        raise BadRun(f"{arguments.binary} exited with status {completed.returncode}")
    if arguments.save_json:
        arguments.save_json.write_text(completed.stdout)
    return json.loads(completed.stdout)


def read_report(path):
    return json.loads(path.read_text())


def split_name(run_name):
    """'fib/cascade/threads:1' -> ('fib', 'cascade', 1); None for names outside the scheme."""
    parts = run_name.split("/")
    variant_positions = [index for index, part in enumerate(parts) if part in VARIANTS]
    thread_parts = [part for part in parts if part.startswith("threads:")]
    if len(variant_positions) != 1 or len(thread_parts) != 1:
        return None
    variant_position = variant_positions[0]
    key_parts = [part for index, part in enumerate(parts)
                 if index != variant_position and part not in thread_parts]
    return "/".join(key_parts), parts[variant_position], int(thread_parts[0].split(":")[1])


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
        nanoseconds = entry[time_field] * NANOSECONDS_PER_UNIT[entry["time_unit"]]
        one.times_ns[entry.get("repetition_index", len(one.times_ns))] = nanoseconds
        for name, value in entry.items():
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
    ratio = statistics.median(cascade.times_ns.values()) / statistics.median(tbb.times_ns.values())
    shared = sorted(tbb.times_ns.keys() & cascade.times_ns.keys())
    per_repetition = [cascade.times_ns[index] / tbb.times_ns[index] for index in shared]
    q1, q3 = quartiles(per_repetition)
    return Comparison(key, threads, tbb, cascade, ratio, q1, q3)


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


def describe_time(series):
    if series.per_item_ns:
        return f"{statistics.median(series.per_item_ns):.1f} ns/{series.item}"
    return f"{statistics.median(series.times_ns.values()) / 1e6:.3f} ms"


def gate_text(comparison):
    if not comparison.gated:
        return "" if comparison.threads == GATED_THREADS else "(not gated)"
    verdict = "ok" if comparison.met else "EXCEEDED"
    return f"<= {comparison.gate:.2f} {verdict}"


def print_table(comparisons):
    header = ("workload", "threads", "tbb (median)", "cascade (median)", "ratio",
              "IQR of ratios", "gate")
    rows = [(c.key, str(c.threads), describe_time(c.tbb), describe_time(c.cascade),
             f"{c.ratio:.3f}", f"[{c.ratio_q1:.3f}, {c.ratio_q3:.3f}]", gate_text(c))
            for c in comparisons]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def write_ratios(path, comparisons):
    path.write_text(json.dumps([{
        "workload": c.key, "threads": c.threads, "ratio": c.ratio,
        "ratio_q1": c.ratio_q1, "ratio_q3": c.ratio_q3, "gate": c.gate, "met": c.met,
        "tbb_median_ns": statistics.median(c.tbb.times_ns.values()),
        "cascade_median_ns": statistics.median(c.cascade.times_ns.values()),
        "repetitions": min(len(c.tbb.times_ns), len(c.cascade.times_ns)),
    } for c in comparisons], indent=2) + "\n")


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
