"""Tests of scripts/benchmark_report.py, the main job's verdicts: which goals a run meets, the
warning for a run that started on a busy machine, and a ratio that cannot be computed. Run with:
python3 benchmark_report_test.py (from this folder), or through CTest (label scripts)."""

import json
import math
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import benchmark_ratios  # noqa: E402  (needs the path above)
import benchmark_report  # noqa: E402

GOALS = [
    {"workload": "fib", "kind": "ratio", "max": 0.75},
    {"workload": "check", "kind": "absolute", "counter": "ns_per_call", "max": 2},
    {"workload": "cancel_depth", "kind": "report"},
    {"workload": "tree", "kind": "ratio", "max": 1.0},
]


def row(workload, threads, ratio, counters=None):
    """A --ratios-json row; `ratio` None: plain TBB's median was 0, so there is none."""
    return {"workload": workload, "threads": threads, "ratio": ratio,
            "tbb_median_ns": 100.0 if ratio is not None else 0.0,
            "cascade_median_ns": 100.0 * ratio if ratio is not None else 30.0,
            "counters": counters or {}}


def check_row(workload, threads, ns_per_call):
    return row(workload, threads, 0.1, {"ns_per_call": {"tbb": 3.0, "cascade": ns_per_call,
                                                        "ratio": ns_per_call / 3.0}})


def summarise(rows):
    goals = benchmark_report.parse_goals(GOALS, "the test's goals")
    rows = [benchmark_report.row_from_json(entry) for entry in rows]
    return benchmark_report.summarise(benchmark_report.workloads_of(rows, goals), goals)


class SummaryTest(unittest.TestCase):
    def test_a_goal_is_met_only_when_every_one_thread_row_meets_it(self):
        summary = summarise([row("fib", 1, 0.70), check_row("check/depth:1", 1, 0.3),
                             check_row("check/depth:64", 1, 2.5), row("tree", 1, 0.99)])
        self.assertEqual(summary.met, ["fib", "tree"])
        self.assertEqual(summary.missed, ["check"])  # depth 64 is over its 2 ns
        self.assertEqual(summary.not_run, [])

    def test_two_thread_rows_are_information_only(self):
        summary = summarise([row("fib", 1, 0.74), row("fib", 2, 1.30), row("tree", 1, 1.01),
                             row("tree", 2, 0.80)])
        self.assertIn("fib", summary.met)
        self.assertIn("tree", summary.missed)

    def test_a_goal_without_rows_counts_as_not_run_and_report_goals_are_not_counted(self):
        summary = summarise([row("fib", 1, 0.70), row("cancel_depth/depth:8", 1, 2.0)])
        self.assertEqual(summary.not_run, ["check", "tree"])
        self.assertTrue(summary.goals_line().startswith("1 of 3 single-threaded goals met"))


class BusyMachineWarningTest(unittest.TestCase):
    def test_warns_when_the_load_was_above_half_the_cores(self):
        warning = benchmark_report.busy_machine_warning("1.68 2.34 2.64", 2)
        self.assertIsNotNone(warning)
        self.assertIn("1.68 on 2 cores", warning)

    def test_quiet_when_the_load_was_at_most_half_the_cores(self):
        self.assertIsNone(benchmark_report.busy_machine_warning("1.00 2.34 2.64", 2))
        self.assertIsNone(benchmark_report.busy_machine_warning("7.9 1 1", 16))

    def test_quiet_when_the_load_is_unknown(self):
        self.assertIsNone(benchmark_report.busy_machine_warning("unknown", 2))
        self.assertIsNone(benchmark_report.busy_machine_warning("", 2))
        self.assertIsNone(benchmark_report.busy_machine_warning("3.0 1 1", None))


class MissingRatioTest(unittest.TestCase):
    """Plain TBB's median can be 0 (a latency too short for the clock): there is no ratio then."""

    def test_a_zero_denominator_gives_no_ratio_and_the_json_says_null(self):
        self.assertTrue(math.isnan(benchmark_ratios.safe_ratio(30.0, 0.0)))
        written = benchmark_ratios.without_non_finite(
            [{"ratio": float("nan"), "counters": {"ns_latency": {"ratio": float("inf")}}}])
        self.assertEqual(written, [{"ratio": None, "counters": {"ns_latency": {"ratio": None}}}])

    def test_a_goal_whose_only_row_has_no_ratio_is_not_met_but_not_run(self):
        summary = summarise([row("fib", 1, None), row("tree", 1, 0.9)])
        self.assertEqual(summary.met, ["tree"])
        self.assertEqual(summary.not_run, ["fib", "check"])


class CommandTest(unittest.TestCase):
    def run_report(self, folder, load_before, rows=None):
        rows = rows or [row("fib", 1, 0.70), row("tree", 1, 1.2)]
        (folder / "ratios.json").write_text(json.dumps(rows))
        (folder / "goals.json").write_text(json.dumps({"goals": GOALS}))
        return subprocess.run(
            [sys.executable, str(SCRIPTS / "benchmark_report.py"),
             "--ratios-json", str(folder / "ratios.json"), "--goals", str(folder / "goals.json"),
             "--out", str(folder / "out"), "--load-before", load_before],
            capture_output=True, text=True, timeout=120, check=True)

    def test_prints_and_writes_the_verdicts_and_a_busy_machine_warning(self):
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            busy_load = f"{2.0 * (benchmark_report.os.cpu_count() or 1):g} 1 1"
            printed = self.run_report(folder, busy_load).stdout
            report = (folder / "out" / benchmark_report.REPORT_NAME).read_text()
            for text in (printed, report):
                self.assertIn("1 of 3 single-threaded goals met (missed: tree; not run: check)",
                              text)
                self.assertIn("warning: the 1-minute load average was", text)

    def test_no_warning_on_a_quiet_machine(self):
        with tempfile.TemporaryDirectory() as temporary:
            printed = self.run_report(Path(temporary), "0.05 0.1 0.1").stdout
            self.assertNotIn("warning", printed)
            self.assertIn("| tree ", (Path(temporary) / "out" / "report.md").read_text())

    def test_a_row_without_a_ratio_is_reported_and_charted(self):
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            rows = [row("fib", 1, 0.70), row("tree", 1, 0.9), row("cancel_depth/depth:1", 1, None)]
            printed = self.run_report(folder, "0.05 0.1 0.1", rows).stdout
            line = next(text for text in printed.splitlines() if text.startswith("cancel_depth"))
            cells = line.split()  # key, threads, "0 ns", "30 ns", ratio, quartiles, goal, met?
            self.assertEqual(cells[6:8], ["-", "-"])
            self.assertTrue((folder / "out" / benchmark_report.REPORT_NAME).exists())


if __name__ == "__main__":
    unittest.main()
