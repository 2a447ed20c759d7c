"""`make bench`: figures, not tests. Prints what each part costs; the README quotes the output.

python -m bench              every section
python -m bench capacity     DynamoDB calls and modelled capacity units per operation, beside the naive design
python -m bench growth       items read per ranked page and per demand report as a product's ideas grow
python -m bench coldstart    the app's import time beside the bare libraries', and the deployment zip's size
python -m bench soak         the local stack under load: writes a second, the event pump's lag, moto's memory
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, headers)), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def calls(counts: dict[str, float]) -> str:
    return ", ".join(f"{n:g} {name}" for name, n in counts.items())


def capacity() -> None:
    from bench import capacity

    print("\n## DynamoDB calls and modelled capacity units per operation (average of 20)\n")
    operations = capacity.operations()
    rows = [(name, calls(r["calls"]), r["wcu"], r["gsi_wcu"], r["rcu"]) for name, r in operations.items()]
    print(table(["operation", "calls", "WCU table", "WCU indexes", "RCU"], rows))

    print("\n## Write units per vote, amortised: the vote's ballot write and its share of aggregation\n")
    naive = operations["naive: vote"]
    rows = []
    for votes, ideas, batch in ((100, 1, 100), (1000, 1, 1000), (100, 5, 100), (1000, 20, 1000), (100, 100, 100)):
        r = capacity.amortised(votes, ideas, batch)
        rows.append(
            (
                f"{votes} votes on {ideas} idea{'s' if ideas > 1 else ''}, batches of {batch}",
                r["wcu_per_vote"],
                r["of_which_aggregation"],
                r["rcu_per_vote"],
                naive["wcu"] + naive["gsi_wcu"],
                naive["rcu"],
            )
        )
    headers = ["votes", "cocreate WCU/vote", "of which aggregation", "RCU/vote", "naive WCU/vote", "naive RCU/vote"]
    print(table(headers, rows))


def growth() -> None:
    from bench import capacity

    results = capacity.growth()
    print("\n## Items read per ranked page of 20, as a product's ideas grow\n")
    rows = [
        (
            r["ideas"],
            sort,
            calls(r[sort]["calls"]),
            r[sort]["first_page"]["items_read"],
            r[sort]["first_page"]["rcu"],
            r[sort]["deep_page"]["page"],
            r[sort]["deep_page"]["items_read"],
            r[sort]["deep_page"]["rcu"],
        )
        for r in results
        for sort in ("top", "new")
    ]
    print(table(["ideas", "sort", "calls", "items read, page 1", "RCU", "deep page", "items read", "RCU"], rows))

    print("\n## Publishing a demand report, as a product's ideas grow (a tenth of them declined)\n")
    rows = [
        (
            r["ideas"],
            r["demand"]["reported_ideas"],
            calls(r["demand"]["calls"]),
            r["demand"]["items_read"],
            r["demand"]["rcu"],
            r["demand"]["seconds_in_moto"],
        )
        for r in results
    ]
    print(table(["ideas", "reported", "calls", "items read", "RCU", "seconds (moto, in-process)"], rows))


def coldstart() -> None:
    from bench import coldstart

    figures = coldstart.measure()
    print("\n## Cold start: importing the app's code from the deployment zip, as Lambda does\n")
    has_counts = "app_instructions" in figures

    def row(what: str, kind: str) -> tuple[str, ...]:
        counted = (f"{figures[kind + '_instructions'] / 1e6:,.0f} M",) if has_counts else ()
        return (what, *counted, f"{figures[kind + '_ms']:.0f} ms")

    headers = ["import", *(["instructions"] if has_counts else []), f"wall time, median of {coldstart.RUNS}"]
    rows = [
        row("bare: boto3, chalice, pydantic, powertools", "bare"),
        row("app.py: every route, the stream and schedule handlers", "app"),
        row("app.py without the zip's bytecode (Chalice's zip as is)", "app_source_only"),
    ]
    print(table(headers, rows))
    measure = "instructions" if has_counts else "ms"
    ratio = figures[f"app_{measure}"] / figures[f"bare_{measure}"]
    print(f"\napp / bare: {ratio:.2f}x by {measure} (goal <= {coldstart.GOAL_RATIO}x)")

    print("\n## Deployment package (make package)\n")
    rows = [
        ("deployment.zip", f"{figures['zip_mb']:.1f} MB", f"goal <= {coldstart.GOAL_ZIP_MB:g} MB"),
        ("unzipped", f"{figures['unzipped_mb']:.1f} MB", "Lambda's limit: 250 MB"),
    ]
    print(table(["what", "size", "limit"], rows))


def soak() -> None:
    from bench import soak
    from infra.local import process

    print("\n## The local stack under load (make run's stack: moto's server, the API, the event pump)\n")
    stack = process.start({"COCREATE_WRITE_LIMIT_PER_MINUTE": soak.WRITE_LIMIT})
    try:
        stack.stats()  # from here on
        sent = soak.steady(stack)
        steady = stack.stats()
        run = soak.run(stack)
        loaded = stack.stats()
    finally:
        stack.stop()
    rows = [
        (f"{sent} votes at 5 a second, one at a time", "5", steady["lag_ms"]["p50"], steady["lag_ms"]["p99"]),
        (
            f"{run.requests} votes, changes and withdrawals: 40 customers x 12 at once, 3 rounds",
            f"{run.per_second:.0f}",
            loaded["lag_ms"]["p50"],
            loaded["lag_ms"]["p99"],
        ),
    ]
    print(table(["load", "writes/s sustained", "pump lag p50 ms", "pump lag p99 ms"], rows))
    print(f"\nmoto's server at its peak: {loaded['moto_peak_mb']} MB; statuses: {dict(sorted(run.statuses.items()))}")
    print("The lag: from a record's write to the end of its delivery to the stream handler.")


SECTIONS: dict[str, Callable[[], None]] = {
    "capacity": capacity,
    "growth": growth,
    "coldstart": coldstart,
    "soak": soak,
}


def main(arguments: Sequence[str]) -> int:
    # Everything runs on moto in-process, with the local stage's settings, whatever the shell says about AWS.
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    from infra.local import stage

    os.environ.update(stage.environment())
    chosen = arguments or list(SECTIONS)
    unknown = [a for a in chosen if a not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    for section in chosen:
        SECTIONS[section]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
