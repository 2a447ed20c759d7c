"""`make package`: the deployable template and zip in dist/, from `chalice package` and the merge template.

Chalice's zip is then finished for Lambda:
- what the Lambda Python runtime provides (boto3 and its dependencies) is left out: Powertools' tracer pulls
  botocore in again, which would add 16 MB;
- every module is compiled to bytecode. Lambda cannot write a bytecode cache to /var/task, so without one each
  cold start compiles every module it imports; `bench coldstart` measures the difference. The bytecode is
  "unchecked-hash": the zip's timestamps are all 1980, so timestamp-checked bytecode would be ignored.

    python -m infra.package [--stage prod] [dist]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infra.local.stage import ROOT
from infra.template import merge_template

# What the Lambda Python runtime provides: boto3, and what it depends on.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3", "six")
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks the zip: the path tracebacks should show
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"  # Chalice picks it from this interpreter
FILE_MODE = 0o100644  # a regular file, readable by the function's user


def _provided_by_runtime(name: str) -> bool:
    top = name.split("/", 1)[0]
    return any(top == p or top.startswith((f"{p}-", f"{p}.py")) for p in RUNTIME_PROVIDED)


def finish_archive(archive: Path) -> int:
    """Rewrite `archive` without what the runtime provides and with bytecode for every module; the bytes saved."""
    before = archive.stat().st_size
    with tempfile.TemporaryDirectory() as unpacked:
        tree = Path(unpacked)
        with zipfile.ZipFile(archive) as source:
            kept = [
                entry
                for entry in source.infolist()
                if not _provided_by_runtime(entry.filename) and "__pycache__/" not in entry.filename
            ]
            source.extractall(tree, members=kept)
        modes = {entry.filename: entry.external_attr for entry in kept}
        compileall.compile_dir(
            tree,
            quiet=2,  # a file that does not compile (a template, a test of old syntax) is left as it is
            ddir=LAMBDA_TASK_ROOT,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as target:
            for path in sorted(p for p in tree.rglob("*") if p.is_file()):
                name = path.relative_to(tree).as_posix()
                # Fixed times, as Chalice writes them, so the same code makes the same zip.
                entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                entry.external_attr = modes.get(name, FILE_MODE << 16)
                entry.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(entry, path.read_bytes())
    return before - archive.stat().st_size


def unpack_as_lambda(archive: Path, into: Path, bytecode: bool = True) -> list[Path]:
    """Lay `archive` out as Lambda runs it: the zip unpacked (with or without its bytecode), and beside it the
    packages the runtime provides, linked from this interpreter's site-packages. The function's sys.path."""
    task, runtime = into / "task", into / "runtime"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(task, members=[n for n in zipped.namelist() if bytecode or "__pycache__/" not in n])
    runtime.mkdir()
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for top in site_packages.iterdir():
        if _provided_by_runtime(top.name):
            (runtime / top.name).symlink_to(top)
    return [task, runtime]


def main() -> int:
    parser = argparse.ArgumentParser(description="The deployable template and zip, from chalice package.")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("out", nargs="?", default="dist")
    arguments = parser.parse_args()
    out = ROOT / arguments.out

    # Packaging needs no AWS account, only a region to name in the template.
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    chalice = Path(sys.executable).parent / "chalice"  # the CLI beside this interpreter, in .venv
    with tempfile.NamedTemporaryFile("w", suffix=".json") as merge:
        json.dump(merge_template(arguments.stage), merge)
        merge.flush()
        command = [str(chalice), "package", "--stage", arguments.stage, "--merge-template", merge.name, str(out)]
        subprocess.run(command, cwd=ROOT, env=env, check=True)

    runtimes = {
        r["Properties"].get("Runtime") for r in json.loads((out / "sam.json").read_text())["Resources"].values()
    }
    if runtimes - {None, RUNTIME}:
        raise SystemExit(f"the functions run on {runtimes - {None}}; bytecode from {RUNTIME} would not load there")
    archive = out / "deployment.zip"
    saved = finish_archive(archive)
    size = archive.stat().st_size / 1e6
    print(f"{archive}: {size:.1f} MB, compiled, {saved / 1e6:.1f} MB smaller than Chalice's (the runtime has boto3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
