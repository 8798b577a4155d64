#!/usr/bin/env python3
"""Fail when Sphinx's coverage report lists an undocumented public name.

    sphinx-build -q -b coverage docs docs/_build/coverage
    python scripts/check_docs_coverage.py docs/_build/coverage/python.txt

The report covers the modules a host uses (``coverage_modules`` and
``coverage_ignore_modules`` in ``docs/conf.py``): every public class, function and method of
them must be in the reference (``docs/reference.rst`` and the pages it links). Sphinx itself
only warns, and also about the modules its ignore list leaves out, so ``-W`` cannot be used.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    report = Path(argv[0] if argv else "docs/_build/coverage/python.txt").read_text("utf-8")
    total = re.search(r"^\|\s*TOTAL\s*\|\s*([\d.]+)%\s*\|\s*(\d+)\s*\|", report, re.MULTILINE)
    if total is None:
        print("no TOTAL row in the coverage report: did the coverage build run?")
        return 1
    undocumented = int(total.group(2))
    if undocumented:
        details = report.split("Statistics", 1)[-1]
        print(f"{undocumented} public name(s) of the reference modules are undocumented:")
        print(details.split("\n\n", 2)[-1].strip())
        return 1
    print(f"docs coverage: every public name documented ({total.group(1)}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
