#!/usr/bin/env python3
"""Turns one benchmark_ratios.py run into the main job's report: a table, Markdown and a chart.

Reads the rows benchmark_ratios.py wrote with --ratios-json and the goals file
(benchmarks/goals.json). Prints the table workload | threads | plain TBB | cascade | ratio | IQR
| goal | met? and the line "N of M single-threaded goals met", and writes report.md and
ratios.png into --out. Warns when the machine was busy as the run started (the 1-minute load
average above half the cores).

A goal covers its workload's keys ("check" covers "check/depth:64") and limits, at 1 thread, the
ratio (of the run's basis, or of a named counter) or cascade's median of a counter (an absolute
goal, such as ns_per_call or bytes_per_context). A goal is met when all its 1-thread rows meet
it; 2-thread rows show in parentheses whether they would, as information. A goal whose workload
is missing from the run is listed as "not run"; a workload without a goal is listed with none.
Exits 0 whether or not the goals are met, and 2 when an input cannot be read. The chart needs
matplotlib (Debian's python3-matplotlib); the rest is Python 3 standard library.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmark_ratios import GATED_THREADS, describe_counter, format_ns

GATED_KINDS = ("ratio", "absolute")
GOAL_KINDS = (*GATED_KINDS, "report")
NOT_RUN = "not run"
EXIT_BAD_INPUT = 2
REPORT_NAME = "report.md"
CHART_NAME = "ratios.png"
TABLE_HEADER = ("workload", "threads", "plain TBB", "cascade", "ratio", "IQR", "goal", "met?")


@dataclass(frozen=True)
class Goal:
    """One entry of the goals file."""

    workload: str
    kind: str
    limit: float = None
    stretch: float = None
    counter: str = ""  # what the goal limits instead of the run's ratio
    what: str = ""

    @property
    def gated(self):
        return self.kind in GATED_KINDS

    def covers(self, key):
        return key == self.workload or key.startswith(self.workload + "/")

    def bound_text(self, limit):
        if self.kind == "absolute":
            return describe_counter(self.counter, limit)
        return f"{limit:g}" + (f" of {self.counter}" if self.counter else "")

    def text(self):
        if not self.gated:
            return self.kind
        stretch = f" (stretch {self.stretch:g})" if self.stretch is not None else ""
        return f"<= {self.bound_text(self.limit)}{stretch}"


@dataclass
class Row:
    """One --ratios-json row: a workload key at one thread count."""

    key: str
    threads: int
    ratio: float
    ratio_q1: float
    ratio_q3: float
    tbb_text: str
    cascade_text: str
    counters: dict  # name -> {"tbb": median, "cascade": median, "ratio": ...}

    def counter(self, name, field):
        return self.counters.get(name, {}).get(field)


def row_from_json(entry):
    ratio = entry["ratio"]
    return Row(entry["workload"], int(entry["threads"]), ratio,
               entry.get("ratio_q1", ratio), entry.get("ratio_q3", ratio),
               entry.get("tbb_text") or format_ns(entry["tbb_median_ns"]),
               entry.get("cascade_text") or format_ns(entry["cascade_median_ns"]),
               entry.get("counters", {}))


@dataclass
class Line:
    """One line of the table: a row judged against one goal (or against none)."""

    row: Row
    goal: Goal = None

    @property
    def gated(self):
        return self.goal is not None and self.goal.gated and self.row.threads == GATED_THREADS

    def ratio(self):
        if self.goal is not None and self.goal.counter:
            return self.row.counter(self.goal.counter, "ratio")
        return self.row.ratio

    def measured(self):
        """What the goal limits: a ratio, or cascade's median of a counter; None if absent."""
        if self.goal.kind == "absolute":
            return self.row.counter(self.goal.counter, "cascade")
        return self.ratio()

    def meets(self, limit):
        value = self.measured()
        return limit is not None and value is not None and value <= limit

    def verdict(self):
        if self.goal is None or not self.goal.gated:
            return "-"
        if self.measured() is None:
            return f"no {self.goal.counter or 'ratio'}"
        if self.row.threads != GATED_THREADS:
            return "(yes)" if self.meets(self.goal.limit) else "(no)"
        if not self.meets(self.goal.limit):
            return "NO"
        return "yes, stretch too" if self.meets(self.goal.stretch) else "yes"

    def variant_texts(self):
        if self.goal is None or not self.goal.counter:
            return self.row.tbb_text, self.row.cascade_text
        return tuple(self.counter_text(variant) for variant in ("tbb", "cascade"))

    def counter_text(self, variant):
        value = self.row.counter(self.goal.counter, variant)
        return "-" if value is None else describe_counter(self.goal.counter, value)

    def cells(self):
        ratio = self.ratio()
        has_quartiles = self.row.ratio_q1 is not None and self.row.ratio_q3 is not None
        quartiles = (f"{self.row.ratio_q1:.3f}-{self.row.ratio_q3:.3f}"
                     if has_quartiles and (self.goal is None or not self.goal.counter) else "-")
        return (self.row.key, str(self.row.threads), *self.variant_texts(),
                "-" if ratio is None else f"{ratio:.3f}", quartiles,
                self.goal.text() if self.goal else "none", self.verdict())


@dataclass
class Workload:
    """A workload key judged against one goal, at each thread count it ran at (none: the goal's
    workload was not run). The table's and the chart's unit."""

    key: str
    goal: Goal
    lines: list

    @property
    def label(self):
        return f"{self.key} ({self.goal.counter})" if self.goal and self.goal.counter else self.key

    def cells(self):
        if not self.lines:
            return [(self.key, "-", NOT_RUN, NOT_RUN, "-", "-", self.goal.text(), NOT_RUN)]
        return [line.cells() for line in self.lines]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ratios-json", type=Path, required=True,
                        help="the rows benchmark_ratios.py wrote (its --ratios-json)")
    parser.add_argument("--goals", type=Path, required=True, help="the goals file")
    parser.add_argument("--out", type=Path, required=True,
                        help=f"folder for {REPORT_NAME} and {CHART_NAME}")
    parser.add_argument("--mode", default="", help="how the run was made, for the report")
    parser.add_argument("--backend", default="", help="cascade's pool backend, for the report")
    parser.add_argument("--load-before", default="unknown", help="load average before the run")
    parser.add_argument("--load-after", default="unknown", help="load average after the run")
    return parser.parse_args()


def parse_goals(entries, source):
    """The goals of a goals file's "goals" list; `source` names the file in errors."""
    goals = []
    for entry in entries:
        goal = Goal(entry["workload"], entry["kind"], entry.get("max"), entry.get("stretch"),
                    entry.get("counter", ""), entry.get("what", ""))
        if goal.kind not in GOAL_KINDS or (goal.gated and goal.limit is None) or (
                goal.kind == "absolute" and not goal.counter):
            raise ValueError(f"{source}: goal {entry}: kind must be one of "
                             f"{'|'.join(GOAL_KINDS)}; ratio and absolute need a max, absolute "
                             "a counter")
        goals.append(goal)
    return goals


def read_goals(path):
    return parse_goals(json.loads(path.read_text())["goals"], path)


def read_rows(path):
    return [row_from_json(entry) for entry in json.loads(path.read_text())]


def goals_for(key, goals):
    """The goals of the most specific workload covering `key` (a workload may have several)."""
    covering = [goal for goal in goals if goal.covers(key)]
    longest = max((len(goal.workload) for goal in covering), default=0)
    return [goal for goal in covering if len(goal.workload) == longest]


def natural_order(key):
    """'cancel_depth/depth:8' before 'cancel_depth/depth:64'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def workloads_of(rows, goals):
    """Every (key, goal) pair of the run, and a line per goal not run, in the goals file's order;
    then the keys without a goal, by name."""
    workloads = []
    for key in sorted({row.key for row in rows}, key=natural_order):
        key_rows = sorted((row for row in rows if row.key == key), key=lambda row: row.threads)
        workloads += [Workload(key, goal, [Line(row, goal) for row in key_rows])
                      for goal in goals_for(key, goals) or [None]]
    judged = {workload.goal for workload in workloads}
    workloads += [Workload(goal.workload, goal, []) for goal in goals if goal not in judged]
    return sorted(workloads, key=lambda workload: (
        goals.index(workload.goal) if workload.goal else len(goals), natural_order(workload.key)))


def table_cells(workloads):
    return [cells for workload in workloads for cells in workload.cells()]


def print_table(cells):
    widths = [max(len(row[column]) for row in [TABLE_HEADER, *cells])
              for column in range(len(TABLE_HEADER))]
    for row in [TABLE_HEADER, *cells]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def markdown_table(cells):
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


@dataclass
class Summary:
    met: list
    missed: list
    not_run: list
    without_goal: list

    def goals_line(self):
        gated = len(self.met) + len(self.missed) + len(self.not_run)
        details = [f"{title}: {', '.join(names)}"
                   for title, names in (("missed", self.missed), (NOT_RUN, self.not_run)) if names]
        return (f"{len(self.met)} of {gated} single-threaded goals met"
                + (f" ({'; '.join(details)})" if details else ""))

    def lines(self):
        lines = [self.goals_line()]
        if self.without_goal:
            lines.append(f"workloads without a goal: {', '.join(self.without_goal)}")
        return lines


def goal_names(goals):
    """Each goal's name in the summary: its workload, and its counter where the workload has
    several goals."""
    shared = {goal.workload for goal in goals
              if sum(other.workload == goal.workload for other in goals) > 1}
    return {goal: f"{goal.workload} {goal.counter}" if goal.workload in shared and goal.counter
            else goal.workload for goal in goals}


def summarise(workloads, goals):
    summary = Summary([], [], [], [w.key for w in workloads if w.goal is None])
    names = goal_names(goals)
    for goal in (goal for goal in goals if goal.gated):
        gated = [line for workload in workloads if workload.goal == goal
                 for line in workload.lines if line.gated and line.measured() is not None]
        if not gated:
            summary.not_run.append(names[goal])
        elif all(line.meets(goal.limit) for line in gated):
            summary.met.append(names[goal])
        else:
            summary.missed.append(names[goal])
    return summary


def busy_machine_warning(load_before, cores):
    """A warning when the 1-minute load average before the run (the first field of /proc/loadavg
    text) was above half the cores: another job then shared the machine, and ratios measured
    while it ran can be off by several per cent. None when the load was lower or is unknown."""
    try:
        load = float(load_before.split()[0])
    except (IndexError, ValueError):
        return None
    if not cores or load <= cores / 2:
        return None
    return (f"warning: the 1-minute load average was {load:g} on {cores} cores when the run "
            "started: another job was probably sharing the machine; repeat the run on a quiet "
            "machine before quoting its ratios")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit():
    """The checkout's commit; "unknown" without git (the main job does not install it) or
    outside a clone. Reading is safe in a clone another user owns, which git would refuse."""
    def git(*arguments):
        return subprocess.run(["git", "-c", "safe.directory=*", *arguments], capture_output=True,
                              text=True, check=True,
                              cwd=Path(__file__).resolve().parent).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with uncommitted changes" if changed else "")


def machine_facts(arguments):
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "git commit": git_commit(),
        "mode": arguments.mode or "unknown",
        "cascade backend": arguments.backend or "unknown",
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "load average before (1, 5, 15 min)": arguments.load_before,
        "load average after (1, 5, 15 min)": arguments.load_after,
    }


def write_markdown(path, cells, conclusions, facts, goals, chart_written):
    """conclusions: the lines printed under the table (the summary, any warning)."""
    names = goal_names(goals)
    lines = ["# cascade vs plain oneTBB: benchmark report", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += ["", markdown_table(cells), "", *conclusions, "",
              "Ratio: median cascade / median plain TBB, from the same run with the variants "
              "interleaved (time, or the counter the goal names); IQR: the interquartile range "
              "of the per-repetition ratios. Goals gate the 1-thread rows; 2-thread rows show "
              "in parentheses whether they would meet the goal, as information. An absolute "
              "goal limits cascade's median of a counter.", ""]
    if chart_written:
        lines += [f"![ratios]({CHART_NAME})", ""]
    lines += ["## Workloads, as issue 3 defines them", "",
              "The benchmark sources in benchmarks/ give the exact parameters.", ""]
    lines += [f"- `{names[goal]}`: {goal.what}" for goal in goals if goal.what]
    lines.append("")
    path.write_text("\n".join(lines))


def draw_chart(path, workloads, facts):
    """Writes the chart; returns False, after saying why, when matplotlib is missing."""
    try:
        import benchmark_chart
    except ImportError as problem:
        print(f"benchmark_report: no chart ({problem}); scripts/install_dependencies.sh "
              "--with-report installs matplotlib", file=sys.stderr)
        return False
    benchmark_chart.draw(path, workloads, facts)
    return True


def main():
    arguments = parse_arguments()
    try:
        goals = read_goals(arguments.goals)
        rows = read_rows(arguments.ratios_json)
    except (OSError, ValueError, KeyError, TypeError) as problem:
        print(f"benchmark_report: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    workloads = workloads_of(rows, goals)
    cells = table_cells(workloads)
    summary = summarise(workloads, goals)
    warning = busy_machine_warning(arguments.load_before, os.cpu_count())
    conclusions = summary.lines() + ([warning] if warning else [])
    print_table(cells)
    print()
    for line in conclusions:
        print(line)
    arguments.out.mkdir(parents=True, exist_ok=True)
    facts = machine_facts(arguments)
    chart_written = draw_chart(arguments.out / CHART_NAME, workloads, facts)
    write_markdown(arguments.out / REPORT_NAME, cells, conclusions, facts, goals, chart_written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
