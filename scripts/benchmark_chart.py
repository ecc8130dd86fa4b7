"""Draws benchmark_report.py's chart with matplotlib (Debian's python3-matplotlib).

Left panel, "ratio to plain TBB": per workload, a bar for the 1-thread (gated) and one for the
2-thread (information) ratio, with the interquartile range of the per-repetition ratios as a
whisker, the goal as a red mark, the stretch goal as a dashed green one, and a dotted line at
parity. Right panel, when there are absolute goals (check, cancel_in_forest, memory per context):
cascade's median of the goal's counter divided by the goal's limit, on a log scale, so that every
limit sits at 1 whatever its unit; each bar is labelled with the value itself. A goal that was
not run shows "not run".
"""

from dataclasses import dataclass
from typing import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from benchmark_ratios import describe_counter  # noqa: E402

THREAD_COUNTS = (1, 2)
BAR_WIDTH = 0.38
BAR_STYLES = {1: {"color": "#2b6cb0", "label": "1 thread (gated)"},
              2: {"color": "#dd6b20", "label": "2 threads (information)"}}
GOAL_STYLE = {"color": "#c53030", "linewidth": 2.5}
STRETCH_STYLE = {"color": "#2f855a", "linewidth": 1.5, "linestyle": "--"}
PARITY_STYLE = {"color": "grey", "linestyle": ":", "linewidth": 1}
WHISKER_STYLE = {"color": "black", "linewidth": 1}
LABEL_CHAR_PIXELS = 9  # the width of a label's character, and
LABEL_PIXELS = 14  # its height, at the labels' font size


@dataclass
class Panel:
    """What one panel plots: a bar's height and label for a table line, and the goal's marks."""

    title: str
    y_label: str
    height: Callable
    label: Callable
    marks: Callable  # goal -> (limit, stretch) in the panel's units, None where absent
    tick: Callable  # workload -> its label under the axis
    log_scale: bool = False
    whiskers: bool = False
    label_rotation: int = 0


def fraction_of_limit(line):
    value = line.measured()
    return None if value is None else value / line.goal.limit


RATIO_PANEL = Panel(
    "ratio to plain TBB", "cascade / plain TBB (lower is better)",
    height=lambda line: line.ratio(), label=lambda line: f"{line.ratio():.2f}",
    marks=lambda goal: (goal.limit, goal.stretch) if goal else (None, None),
    tick=lambda workload: workload.label, whiskers=True)

ABSOLUTE_PANEL = Panel(
    "absolute goals", "cascade's value / goal (lower is better)",
    height=fraction_of_limit,
    label=lambda line: describe_counter(line.goal.counter, line.measured()),
    marks=lambda goal: (1.0, None if goal.stretch is None else goal.stretch / goal.limit),
    tick=lambda workload: workload.key, log_scale=True, label_rotation=90)


def bar_offset(threads):
    return (THREAD_COUNTS.index(threads) - (len(THREAD_COUNTS) - 1) / 2) * BAR_WIDTH


def bars(panel, workloads):
    """(x, line) of every bar: the lines that have a value to plot."""
    return [(position + bar_offset(line.row.threads), line)
            for position, workload in enumerate(workloads) for line in workload.lines
            if line.row.threads in THREAD_COUNTS and panel.height(line) is not None]


def mark_goal(axes, position, limit, stretch):
    half = BAR_WIDTH * len(THREAD_COUNTS) / 2 + 0.05
    if limit is not None:
        axes.hlines(limit, position - half, position + half, **GOAL_STYLE)
    if stretch is not None:
        axes.hlines(stretch, position - half, position + half, **STRETCH_STYLE)


def set_height_limits(axes, panel, workloads):
    values = [1.0] + [mark for workload in workloads for mark in panel.marks(workload.goal)
                      if mark is not None]
    for _, line in bars(panel, workloads):
        values.append(panel.height(line))
        if panel.whiskers and line.row.ratio_q3 is not None:
            values.append(line.row.ratio_q3)
    if panel.log_scale:
        axes.set_yscale("log")
        axes.set_ylim(min(values) / 4, max(values) * 4)
    else:
        axes.set_ylim(0, max(values) * 1.15)


def label_bars(axes, panel, workloads):
    """Writes each bar's label inside it at its foot, clear of the goal marks, or above it when
    the bar is too short for it (once the axis limits are set)."""
    bottom = axes.get_ylim()[0]
    for x, line in bars(panel, workloads):
        height, text = panel.height(line), panel.label(line)
        pixels = axes.transData.transform((x, height))[1] - axes.transData.transform((x, bottom))[1]
        needed = len(text) * LABEL_CHAR_PIXELS if panel.label_rotation else LABEL_PIXELS
        style = {"color": "white", "fontweight": "bold"} if pixels > needed + 6 else {}
        axes.annotate(text, (x, bottom if style else height), xytext=(0, 3),
                      textcoords="offset points", ha="center", va="bottom", fontsize=7,
                      rotation=panel.label_rotation, **style)


def draw_panel(axes, panel, workloads):
    for x, line in bars(panel, workloads):
        axes.bar(x, panel.height(line), BAR_WIDTH, color=BAR_STYLES[line.row.threads]["color"])
        has_quartiles = line.row.ratio_q1 is not None and line.row.ratio_q3 is not None
        if panel.whiskers and has_quartiles and not (line.goal and line.goal.counter):
            axes.vlines(x, line.row.ratio_q1, line.row.ratio_q3, **WHISKER_STYLE)
    for position, workload in enumerate(workloads):
        mark_goal(axes, position, *panel.marks(workload.goal))
        if not workload.lines:
            axes.annotate("not run", (position, 0.03), xycoords=("data", "axes fraction"),
                          ha="center", va="bottom", rotation=90, color="grey")
    axes.axhline(1.0, **PARITY_STYLE)
    set_height_limits(axes, panel, workloads)
    label_bars(axes, panel, workloads)
    axes.set_xticks(range(len(workloads)))
    axes.set_xticklabels([panel.tick(workload) for workload in workloads], rotation=35,
                         ha="right")
    axes.set_xlim(-0.6, len(workloads) - 0.4)
    axes.set_ylabel(panel.y_label)
    axes.set_title(panel.title, fontsize=10)
    axes.grid(axis="y", color="#e2e8f0", linewidth=0.8)
    axes.set_axisbelow(True)


def legend_handles():
    return [Patch(color=style["color"], label=style["label"]) for style in BAR_STYLES.values()] + [
        Line2D([], [], label="goal", **GOAL_STYLE),
        Line2D([], [], label="stretch goal", **STRETCH_STYLE),
        Line2D([], [], label="IQR of per-repetition ratios", **WHISKER_STYLE),
        Line2D([], [], label="parity with plain TBB / the limit", **PARITY_STYLE),
    ]


def draw(path, workloads, facts):
    """workloads: benchmark_report.Workload in table order; facts: name -> text."""
    absolute = [workload for workload in workloads
                if workload.goal and workload.goal.kind == "absolute"]
    relative = [workload for workload in workloads if workload not in absolute]
    panels = [(RATIO_PANEL, relative)] + ([(ABSOLUTE_PANEL, absolute)] if absolute else [])
    widths = [max(len(group), 1) + 1 for _, group in panels]
    figure, axes = plt.subplots(1, len(panels), figsize=(2 + 0.75 * sum(widths), 5.5),
                                gridspec_kw={"width_ratios": widths}, squeeze=False)
    for (panel, group), panel_axes in zip(panels, axes[0]):
        draw_panel(panel_axes, panel, group)
    figure.suptitle(f"cascade ({facts['cascade backend']} backend) vs plain oneTBB, "
                    f"{facts['mode']}\n"
                    f"{facts['date']}, commit {facts['git commit']}, {facts['CPU']}",
                    fontsize=10)
    figure.legend(handles=legend_handles(), loc="lower center", ncol=3, fontsize=8,
                  frameon=False)
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)
