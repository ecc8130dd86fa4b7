#!/usr/bin/env python3
"""Checks a trace written by trace_tree (tests/tracing/trace_tree.cpp): the file is valid JSON in
the trace-event format; the spans of each thread nest (none overlaps another partly); every
skipped task comes after a cancel event of its context; and the failure's cancel and its cascade
are there with their cause. Prints what it checked; exits 1 naming the first violation."""
import json
import sys


def fail(message):
    print(f"check_trace: FAILED: {message}")
    sys.exit(1)


def check_nesting(spans):
    """Spans of one thread, as (start, end, name): each starts after the enclosing one ends or
    ends within it."""
    open_ends = []
    for start, end, name in sorted(spans, key=lambda span: (span[0], -span[1])):
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        if open_ends and end > open_ends[-1]:
            fail(f"a '{name}' span [{start}, {end}] overlaps the end of the span around it "
                 f"(which ends at {open_ends[-1]})")
        open_ends.append(end)


def main(path):
    with open(path, encoding="utf-8") as trace_file:
        trace = json.load(trace_file)
    events = trace["traceEvents"]
    spans = [event for event in events if event.get("ph") == "X"]
    cancels = [event for event in events if event.get("name") == "cancel"]
    tasks = [event for event in spans if event["name"] == "task"]

    by_thread = {}
    for span in spans:
        by_thread.setdefault(span["tid"], []).append(
            (float(span["ts"]), float(span["ts"]) + float(span["dur"]), span["name"]))
    for thread_spans in by_thread.values():
        check_nesting(thread_spans)

    skipped = [task for task in tasks if task["args"]["outcome"] == "skipped"]
    failed = [task for task in tasks if task["args"]["outcome"] == "failed"]
    if not skipped:
        fail("no skipped task was recorded")
    if not failed:
        fail("no failed task was recorded")
    for task in skipped:
        context = task["args"]["context"]
        earlier = [cancel for cancel in cancels
                   if cancel["args"]["context"] == context and float(cancel["ts"]) <= float(task["ts"])]
        if not earlier:
            fail(f"a task of context {context} was skipped at {task['ts']} us, with no cancel of "
                 "that context before it")

    own = [cancel for cancel in cancels
           if not cancel["args"]["cascaded"] and cancel["args"]["cause"] == "sensor offline"]
    cascaded = [cancel for cancel in cancels
                if cancel["args"]["cascaded"] and cancel["args"]["cause"] == "sensor offline"]
    if not own:
        fail("no cancel event with the cause 'sensor offline' (the failing group's own cancel)")
    if not cascaded:
        fail("no cascaded cancel event with the cause 'sensor offline' (the sibling branch)")
    print(f"check_trace: ok: {len(events)} events, {len(spans)} spans nest on {len(by_thread)} "
          f"thread(s); {len(skipped)} skipped task(s), each after its context's cancel; "
          f"{len(own)} own and {len(cascaded)} cascaded cancel(s) with the failure's cause")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: check_trace.py <trace.json>")
    main(sys.argv[1])
