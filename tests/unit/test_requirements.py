"""`make` installs requirements-dev.lock alone, hashes checked: every pin the requirements files ask for must be in
it, with its hashes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(package: str) -> str:
    return re.sub(r"[-_.]+", "-", re.sub(r"\[.*\]", "", package)).lower()  # without extras, as pip compares


def pins(name: str) -> dict[str, str]:
    """Package -> version pinned in a requirements file or the lock."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        requirement = line.split("#")[0].strip().removesuffix("\\").strip()
        if requirement and not line[0].isspace() and not requirement.startswith("-"):
            package, version = requirement.split("==")
            found[_name(package)] = version.strip()
    return found


def test_the_lock_holds_every_pin_of_the_requirements_files():
    lock = pins("requirements-dev.lock")
    for name in ("requirements.txt", "requirements-dev.txt"):
        missing = {p: v for p, v in pins(name).items() if lock.get(p) != v}
        assert not missing, f"{name} pins {missing}, which the lock does not: run make lock"


def test_every_package_of_the_lock_comes_with_its_hashes():
    text = (ROOT / "requirements-dev.lock").read_text()
    entries = re.split(r"\n(?=\S)", text)
    unhashed = [e.split()[0] for e in entries if "==" in e.split()[0] and "--hash=sha256:" not in e]
    assert not unhashed, f"{unhashed} have no hashes: run make lock"
