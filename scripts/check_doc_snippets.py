#!/usr/bin/python3
"""Checks that every C++ and CMake code block in README.md and docs/*.md is code the test command
builds, so that no example in the documentation can drift from a compiling program.

Each ```cpp (or ```c++) and ```cmake block must come right after a marker line naming its source:

    <!-- snippet: examples/cookbook/timeouts.cpp -->

and its lines must appear, consecutively and unchanged, in that file. The whole block may be
indented there by a uniform amount (a function body quoted at the left margin); nothing else may
differ. The source must be a file the test command compiles and runs: a program in examples/
(CTest's example.<name> tests), a public header in api/include/cascade/ (compiled into every
program), or, for CMake blocks, a project in tests/packaging/ (the packaging tests build it).
A complete program in a document is no exception: it is all of its examples/ file.

Exempt, since they are not code that compiles: ```text blocks (program output), ```sh blocks
(shell commands; the packaging tests run the install commands of README.md) and blocks without a
language (diagrams). Any other language is refused, so that a new kind of block gets a rule.

Usage: check_doc_snippets.py [REPOSITORY_ROOT]; exits 1 and names the document, the line and the
source for every block that breaks the rule.
"""

import pathlib
import re
import sys

MARKER = re.compile(r"^<!-- snippet: (\S+) -->$")
FENCE = re.compile(r"^```(\S*)\s*$")
CHECKED = {"cpp": "C++", "c++": "C++", "cmake": "CMake"}
EXEMPT = {"", "text", "sh"}
SOURCES = {
    "C++": ("examples/", "api/include/cascade/"),
    "CMake": ("tests/packaging/",),
}


def documents(root):
    return [root / "README.md"] + sorted((root / "docs").glob("*.md"))


def code_blocks(lines):
    """Yields (language, first line index of the body, body lines) for each fenced block."""
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end] != "```":
            end += 1
        yield opening.group(1), index, lines[index + 1:end]
        index = end + 1


def appears_in(block, source_lines):
    """True when the block's lines appear consecutively in the source, all indented by one
    common prefix of spaces (blank lines match blank lines)."""
    if not block:
        return False
    first = block[0]
    for start, line in enumerate(source_lines):
        if not line.endswith(first) or line[: len(line) - len(first)].strip():
            continue
        indent = line[: len(line) - len(first)]
        window = source_lines[start:start + len(block)]
        expected = [indent + text if text else "" for text in block]
        if [text.rstrip() for text in window] == expected:
            return True
    return False


def marker_before(lines, fence_index):
    index = fence_index - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    if index < 0:
        return None
    match = MARKER.match(lines[index].strip())
    return match.group(1) if match else None


def check_block(root, document, lines, language, fence_index, block):
    """Returns the problem with one block, or None."""
    where = f"{document.relative_to(root)}:{fence_index + 1}"
    if language in EXEMPT:
        return None
    kind = CHECKED.get(language)
    if kind is None:
        return f"{where}: a ```{language} block: only cpp, cmake, text, sh and plain blocks are allowed"
    source = marker_before(lines, fence_index)
    if source is None:
        return (f"{where}: a {kind} block without a '<!-- snippet: FILE -->' line before it: "
                f"put the code in a file under {' or '.join(SOURCES[kind])} and name it")
    if not source.startswith(SOURCES[kind]):
        return f"{where}: the snippet source {source} is not under {' or '.join(SOURCES[kind])}"
    path = root / source
    if not path.is_file():
        return f"{where}: the snippet source {source} does not exist"
    if not appears_in(block, path.read_text(encoding="utf-8").split("\n")):
        return (f"{where}: the {kind} block is not a verbatim excerpt of {source}: copy it again "
                f"from that file")
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    root = root.resolve()
    problems, checked = [], 0
    for document in documents(root):
        lines = document.read_text(encoding="utf-8").split("\n")
        for language, fence_index, block in code_blocks(lines):
            problem = check_block(root, document, lines, language, fence_index, block)
            checked += language in CHECKED
            if problem:
                problems.append(problem)
    for problem in problems:
        print(f"check_doc_snippets: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_doc_snippets: {checked} C++ and CMake blocks match their sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
