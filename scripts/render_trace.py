#!/usr/bin/env python3
"""Draws a cascade trace (CASCADE_TRACE, cascade/tracing.hpp) as a PNG flame chart: per thread,
its spans stacked by nesting (a task runs inside the group wait that picked it up); group waits in
grey, tasks coloured by outcome (green succeeded, red failed, orange skipped, drawn as a tick), each
context's own cancel as a dashed red line with its cause and cascaded cancels as dotted lines. Needs matplotlib (Debian: python3-matplotlib).
Usage: scripts/render_trace.py TRACE.json OUT.png [--title TEXT]"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

OUTCOME_COLOURS = {"succeeded": "#2e8b57", "failed": "#d62728", "skipped": "#ff8c00"}


def load(path):
    with open(path, encoding="utf-8") as trace_file:
        return json.load(trace_file)["traceEvents"]


def stack_spans(events):
    """A flame chart's rows: each span (task or wait) gets its nesting depth on its thread, and
    each thread a block of rows as deep as its deepest span. Returns [(span, row)], the first row
    of each thread, and the number of rows."""
    by_thread = {}
    for event in events:
        if event.get("ph") == "X":
            by_thread.setdefault(event["tid"], []).append(event)
    placed, first_rows, row = [], {}, 0
    for thread in sorted(by_thread):
        first_rows[thread] = row
        open_ends, deepest = [], 0
        for span in sorted(by_thread[thread], key=lambda e: (float(e["ts"]), -float(e["dur"]))):
            start = float(span["ts"])
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            placed.append((span, row + len(open_ends)))
            deepest = max(deepest, len(open_ends) + 1)
            open_ends.append(start + float(span["dur"]))
        row += deepest
    return placed, first_rows, row


def draw(events, title):
    placed, first_rows, rows = stack_spans(events)
    figure, axes = plt.subplots(figsize=(12, 1.5 + 0.35 * rows))
    end = max((float(e["ts"]) + float(e.get("dur", 0)) for e in events if "ts" in e), default=1.0)
    tick = end / 300  # the drawn width of a task with no length (a skip)
    for span, row in placed:
        if span["name"] == "wait":
            colour, width = "#d9d9d9", float(span["dur"])
        else:
            colour = OUTCOME_COLOURS.get(span["args"]["outcome"], "grey")
            width = max(float(span["dur"]), tick)
        axes.broken_barh([(float(span["ts"]), width)], (-row - 0.9, 0.8), color=colour,
                         edgecolor="black", linewidth=0.3)
    for event in events:
        if event.get("name") != "cancel":
            continue
        when = float(event["ts"])
        if event["args"]["cascaded"]:
            axes.axvline(when, color="#8b0000", linestyle=":", linewidth=0.8)
        else:
            axes.axvline(when, color="#d62728", linestyle="--", linewidth=1.2)
            axes.annotate(f" cancel: {event['args']['cause'][:40]}", (when, -0.05), rotation=90,
                          fontsize=7, va="top", ha="right", color="#d62728")
    axes.set_yticks([-first - 0.5 for first in first_rows.values()],
                    [f"thread {thread}" for thread in first_rows])
    axes.set_ylim(-rows - 0.2, 0.1)
    axes.set_xlabel("time since tracing started (µs); rows: spans nested in the span above")
    axes.set_title(title)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour) for colour in OUTCOME_COLOURS.values()]
    handles += [plt.Rectangle((0, 0), 1, 1, color="#d9d9d9"),
                plt.Line2D([], [], color="#d62728", linestyle="--"),
                plt.Line2D([], [], color="#8b0000", linestyle=":")]
    axes.legend(handles, [*(f"task {name}" for name in OUTCOME_COLOURS), "group wait",
                          "cancel (own)", "cancel (cascaded)"],
                loc="lower right", fontsize=7)
    figure.tight_layout()
    return figure


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("png")
    parser.add_argument("--title", default="cascade trace")
    arguments = parser.parse_args()
    events = load(arguments.trace)
    draw(events, arguments.title).savefig(arguments.png, dpi=130)
    print(f"render_trace: {arguments.png} ({len(events)} events)")


if __name__ == "__main__":
    main()
