"""make mutate's last step: the score of the run in mutants/, and the mutants no test killed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main() -> int:
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
    # A timed-out mutant was caught (it hangs); one no test reaches survived as surely as one that passed.
    caught = stats["killed"] + stats["timeout"]
    tried = caught + stats["survived"] + stats["no_tests"] + stats["suspicious"]
    results = subprocess.run([sys.executable, "-m", "mutmut", "results"], capture_output=True, text=True, check=True)
    left = (": survived", ": no tests", ": suspicious")  # not "not checked": a stopped run has not tried those
    survivors = [line.strip() for line in results.stdout.splitlines() if line.rstrip().endswith(left)]
    print("\n".join(survivors) or "no survivors")
    print(f"\nmutation score: {caught}/{tried} = {100 * caught / tried:.1f}% (see tests/MUTANTS.md for the survivors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
