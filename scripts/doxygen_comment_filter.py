#!/usr/bin/python3
"""Doxygen's INPUT_FILTER for cascade's public headers (docs/Doxyfile).

The headers write their contract comments as plain `//` comments, the project's style. This filter
shows Doxygen the same text as documentation, without changing the headers:
- a block of whole-line `//` comments directly above a declaration becomes a `///` block, so it
  documents that declaration; a block above `#include`, `#pragma`, `namespace`, a closing brace or
  a blank line (a file's or a section's comment) stays a plain comment;
- a `//` comment after a declaration on the same line (`int threads = 0;  // >= 1`, an enum value)
  becomes `///<`, which documents that member.
A block directly above several declarations with no blank line between them (a getter and its
setter) documents all of them: the filter wraps them in a Doxygen member group, and the Doxyfile
sets DISTRIBUTE_GROUP_DOC. Lines keep their numbers, so Doxygen's warnings point at the header.
Usage: doxygen_comment_filter.py FILE (prints the filtered text on stdout).
"""

import re
import sys

WHOLE_LINE_COMMENT = re.compile(r"^(\s*)//(?!/)(.*)$")
TRAILING_COMMENT = re.compile(r"^(.*[;,{])(\s+)//(?!/)(.*)$")
NOT_A_DECLARATION = re.compile(r"^\s*(#|namespace\b|}|$|public:|private:|protected:)")
# A closing brace, a destructor or a deleted function ends a run of declarations: the comment
# above the run is not theirs.
STARTS_A_GROUP_MEMBER = re.compile(r"^(?!\s*}|\s*~|.*= delete;).*$")


def is_comment(line):
    return WHOLE_LINE_COMMENT.match(line) is not None


def declaration_lines(lines, start):
    """The indices of the declarations that follow a comment block ending at start - 1: every line
    up to the next blank line, comment or closing brace of the enclosing scope, at the indent of
    the first one (continuation lines and bodies are deeper)."""
    first = lines[start]
    indent = len(first) - len(first.lstrip())
    heads = [start]
    index = start + 1
    while index < len(lines):
        line = lines[index]
        if not line.strip() or is_comment(line):
            break
        line_indent = len(line) - len(line.lstrip())
        if line_indent < indent:
            break
        if line_indent == indent:
            if not STARTS_A_GROUP_MEMBER.match(line):
                break
            heads.append(index)
        index += 1
    return heads, index


def filter_lines(lines):
    out = list(lines)
    index = 0
    while index < len(lines):
        if not is_comment(lines[index]):
            trailing = TRAILING_COMMENT.match(lines[index])
            if trailing and '"' not in trailing.group(1):
                out[index] = f"{trailing.group(1)}{trailing.group(2)}///<{trailing.group(3)}"
            index += 1
            continue
        block_start = index
        while index < len(lines) and is_comment(lines[index]):
            index += 1
        if index >= len(lines) or NOT_A_DECLARATION.match(lines[index]):
            continue
        for line_index in range(block_start, index):
            match = WHOLE_LINE_COMMENT.match(lines[line_index])
            out[line_index] = f"{match.group(1)}///{match.group(2)}"
        heads, end = declaration_lines(lines, index)
        if len(heads) > 1:
            out[block_start] = "/**@{*/" + out[block_start]
            out[end - 1] += " /**@}*/"
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as source:
        lines = source.read().split("\n")
    sys.stdout.write("\n".join(filter_lines(lines)))


if __name__ == "__main__":
    main()
