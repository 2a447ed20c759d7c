"""`make` installs requirements-dev.lock alone: every pin the requirements files ask for must be in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(name: str) -> dict[str, str]:
    """Package -> version pinned in a requirements file, names normalised as pip compares them."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement and not requirement.startswith("-"):
            package, version = requirement.split("==")
            package = re.sub(r"\[.*\]", "", package)  # extras
            found[re.sub(r"[-_.]+", "-", package).lower()] = version.strip()
    return found


def test_the_lock_holds_every_pin_of_the_requirements_files():
    lock = pins("requirements-dev.lock")
    for name in ("requirements.txt", "requirements-dev.txt"):
        missing = {p: v for p, v in pins(name).items() if lock.get(p) != v}
        assert not missing, f"{name} pins {missing}, which the lock does not: run make lock"
