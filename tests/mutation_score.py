"""make mutate's last step: the score of the run in mutants/, and the planted bugs that lived."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

# Caught: a test failed, or hung, or crashed, or mypy (which `make test` runs) refused the bug.
CAUGHT = ("killed", "timeout", "segfault", "caught by type check")
# Lived: no test failed, or none reaches the function. ("not checked" is a stopped run's: not counted.)
LIVED = ("survived", "no tests", "suspicious")


def main() -> int:
    statuses = {
        name: status_by_exit_code[code]
        for meta in Path("mutants").rglob("*.py.meta")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items()
    }
    counts = Counter(statuses.values())
    print("\n".join(f"{name}: {status}" for name, status in sorted(statuses.items()) if status in LIVED))
    caught, tried = sum(counts[s] for s in CAUGHT), sum(counts[s] for s in CAUGHT + LIVED)
    print(f"\nmutation score: {caught}/{tried} = {100 * caught / max(tried, 1):.1f}% (see tests/MUTANTS.md)")
    print(", ".join(f"{counts[s]} {s}" for s in CAUGHT + LIVED + ("not checked",)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
