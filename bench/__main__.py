"""`make bench`: figures, not tests. Prints what each part costs, and writes them to bench/results.json (not
committed); the README quotes them.

python -m bench              every section
python -m bench capacity     DynamoDB calls and modelled capacity per operation through the API, and per vote
                             spread over ideas at two batching windows, beside the naive design
python -m bench growth       items read per ranked page as a product's ideas grow
python -m bench report       publishing the demand report of a product of 100,000 ideas: time, memory, reads
python -m bench commitments  the same report at 10,000 ideas with committed units: its reads (price books) and time
python -m bench merge        a merge of an idea with 10,000 supporters: the move's time, calls and write units
python -m bench notify       a status change told to 10,000 followers: the delivery's time, calls, write units, mail
python -m bench similar      similar ideas: recall@5 and MRR of each method tried on labelled duplicates, alone and
                             among 10,000 ideas, and the chosen one's latency through the service
python -m bench sentiment    VADER on 150 labelled sentences of product feedback: accuracy, macro-F1, its cost
python -m bench coldstart    a cold start to the first answer, app beside bare libraries, and the zip's size
python -m bench soak         the local stack under load: writes a second, the event pump's lag, moto's memory
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results.json"
Results = dict[str, float]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, headers)), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def calls(counts: dict[str, float]) -> str:
    return ", ".join(f"{n:g} {name}" for name, n in counts.items())


def capacity() -> Results:
    from bench import capacity

    print("\n## DynamoDB calls and modelled capacity per operation, through the API's handlers (average of 20)\n")
    operations = capacity.operations()
    rows = [
        (name, calls(r["calls"]), r["write_calls"], r["wcu"], r["gsi_wcu"], r["rcu"]) for name, r in operations.items()
    ]
    print(table(["operation", "calls", "write requests", "WCU table", "WCU indexes", "RCU"], rows))

    print(
        f"\n## Spread votes: {capacity.SPREAD_VOTES_PER_SECOND} votes a second over {capacity.SPREAD_IDEAS} ideas,"
        " counted once per batching window: write units per vote, its own and its share of counting\n"
    )
    naive = operations["naive: vote"]
    spread = {window: capacity.spread(window) for window in (1, 10)}
    rows = [
        (
            f"{window} s",
            r["batch_size"],
            r["wcu_per_vote"],
            r["of_which_aggregation"],
            r["rcu_per_vote"],
            naive["wcu"] + naive["gsi_wcu"],
        )
        for window, r in spread.items()
    ]
    print(table(["batching window", "records a batch", "WCU/vote", "of which counting", "RCU/vote", "naive"], rows))
    vote = operations["vote"]
    return {
        "vote_wcu": vote["wcu"] + vote["gsi_wcu"],
        "vote_write_calls": vote["write_calls"],
        "vote_rcu": vote["rcu"],
        "change_vote_wcu": operations["change vote"]["wcu"] + operations["change vote"]["gsi_wcu"],
        "spread_vote_wcu_1s": spread[1]["wcu_per_vote"],
        "spread_vote_wcu_10s": spread[10]["wcu_per_vote"],
    }


def growth() -> Results:
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
    return {f"page_items_read_n{r['ideas']}": r["top"]["first_page"]["items_read"] for r in results}


def report() -> Results:
    from bench import report

    print("\n## Publishing the demand report of a product of 100,000 ideas (a tenth declined)\n", flush=True)
    r = report.measure()
    limits = json.loads((Path(__file__).parent.parent / ".chalice" / "config.json").read_text())
    function = limits["lambda_functions"]["publish_demand_reports"]
    rows = [
        ("ideas reported", f"{r['reported']:,} of {r['ideas']:,}"),
        ("queries, items read", f"{r['queries']}, {r['items_read']:,}"),
        ("read units (modelled)", f"{r['rcu']:,.0f}"),
        ("the function's CPU time", f"{r['cpu_seconds']} s"),
        (
            "its wall time, against moto",
            f"{r['seconds']} s (it has {function['lambda_timeout']}; moto reads the whole table for each page)",
        ),
        ("its peak memory", f"{r['peak_mb']} MB (it has {function['lambda_memory_size']:,})"),
        ("the report", f"{r['json_mb']} MB of JSON: GET .../demand answers with {r['answered_with']}"),
    ]
    print(table(["what", "figure"], rows))
    return {
        "report_100k_seconds": r["seconds"],
        "report_100k_cpu_seconds": r["cpu_seconds"],
        "report_100k_peak_mb": r["peak_mb"],
        "report_100k_rcu": r["rcu"],
    }


def commitments() -> Results:
    from bench import report

    ideas = 10_000
    print(f"\n## The demand report with committed units: {ideas:,} ideas, three in four with commitments\n", flush=True)
    r = report.measure(ideas, commitments=True)
    priced = sum(1 for n in range(ideas) if n % 10 != 9 and report.committed(n)[1])
    rows = [
        ("ideas reported", f"{r['reported']:,} of {ideas:,}"),
        ("Query calls, for the ideas", f"{r['queries']}"),
        ("BatchGetItem calls, for the price books", f"{r['batch_gets']} ({priced:,} reported ideas with prices named)"),
        ("items read: ideas and price books", f"{r['items_read']:,}"),
        ("read units (modelled)", f"{r['rcu']:,.0f}"),
        ("the function's CPU time", f"{r['cpu_seconds']} s"),
        ("its wall time, against moto", f"{r['seconds']} s"),
        ("its peak memory", f"{r['peak_mb']} MB"),
    ]
    print(table(["what", "figure"], rows))
    print("\nA report reads each reported idea once (units, committers, the week's gains ride on it) and one price")
    print("book for each idea whose committers named a price: what its exact median needs.")
    return {
        "commitments_10k_items_read": r["items_read"],
        "commitments_10k_price_books": priced,
        "commitments_10k_rcu": r["rcu"],
        "commitments_10k_seconds": r["seconds"],
    }


def merge() -> Results:
    from bench import merge

    print(f"\n## Merging an idea with {merge.SUPPORTERS:,} supporters: the move, then its counting\n", flush=True)
    r = merge.measure()
    n = r["supporters"]
    rows = [
        ("the move: wall time, against moto", f"{r['seconds']} s ({n / r['seconds']:,.0f} ballots a second)"),
        ("its calls", calls(r["calls"])),
        ("its write requests", f"{r['write_calls']:,}"),
        ("its write units (modelled)", f"{r['wcu']:,} ({r['wcu'] / n:.2f} a supporter)"),
        ("its read units (modelled)", f"{r['rcu']:,} ({r['rcu'] / n:.2f} a supporter)"),
        ("counting the moved votes: wall time", f"{r['counting_seconds']} s"),
        ("its calls", calls(r["counting_calls"])),
        ("its write units", f"{r['counting_wcu']:,}"),
        ("the target's supporters after", f"{r['target_up']:,}"),
    ]
    print(table(["what", "figure"], rows))
    return {
        "merge_10k_seconds": r["seconds"],
        "merge_10k_wcu": r["wcu"],
        "merge_10k_rcu": r["rcu"],
        "merge_10k_counting_wcu": r["counting_wcu"],
    }


def notify() -> Results:
    from bench import notify

    print(f"\n## A status change told to {notify.FOLLOWERS:,} followers: its commit, then the delivery\n", flush=True)
    r = notify.measure()
    n = r["delivered"]
    rows = [
        ("the status change (the request)", f"{r['change_wcu']} write units"),
        (
            "the stream's commit, which puts the notice in line",
            f"{calls(r['commit_calls'])}; {r['commit_wcu']} write units",
        ),
        ("the delivery: wall time, against moto", f"{r['seconds']} s ({n / r['seconds']:,.0f} notifications a second)"),
        ("its calls", calls(r["calls"])),
        ("its write units (modelled)", f"{r['wcu']:,} ({r['wcu'] / n:.2f} a follower)"),
        ("its read units (modelled)", f"{r['rcu']:,} ({r['rcu'] / n:.2f} a follower)"),
        ("notifications, and mail sent", f"{n:,} of {r['followers']:,} followers; {r['mailed']:,} mails"),
    ]
    print(table(["what", "figure"], rows))
    return {
        "notify_10k_seconds": r["seconds"],
        "notify_10k_wcu": r["wcu"],
        "notify_10k_rcu": r["rcu"],
        "notify_10k_mailed": r["mailed"],
    }


def similar() -> Results:
    from bench import similar

    documents, queries = similar.labelled()
    print(
        f"\n## Similar ideas: {len(queries)} labelled duplicates among {len(documents)} ideas,"
        f" and among {similar.IDEAS:,}\n"
    )
    rows = []
    for r in similar.methods():
        alone, many = r["labelled"], r.get("at_10k")
        rows.append(
            (
                r["method"],
                f"{alone['recall_at_5']:.3f}",
                f"{alone['mrr']:.3f}",
                f"{many['recall_at_5']:.3f}" if many else "-",
                f"{many['mrr']:.3f}" if many else "-",
                f"{many['p50_ms']:.1f} / {many['p95_ms']:.1f}"
                if many
                else f"{alone['p50_ms']:.0f} at {len(documents)}",
                f"{many['build_seconds']:.1f} s, {many['megabytes']:.0f} MB" if many else "-",
            )
        )
        if "chosen" in r["method"]:
            chosen = r
    headers = ["method", "recall@5", "MRR", f"recall@5 at {similar.IDEAS:,}", "MRR", "ms p50 / p95", "index"]
    print(table(headers, rows))
    s = similar.through_the_service()
    print(f"\nThe chosen method through the service, against moto in-process, at {s['ideas']:,} ideas:\n")
    print(
        table(
            ["what", "figure"],
            [
                (
                    "first search: the index built from the table",
                    f"{s['first_seconds']:.1f} s, {calls(s['first_calls'])}, {s['first_rcu']:,.0f} RCU",
                ),
                ("warm search, p50 / p95", f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} ms"),
                ("its calls", calls(s["calls_per_search"])),
                ("its read units", f"{s['rcu_per_search']:.1f}"),
                (
                    "a search with a refresh, at most once a second",
                    f"{calls(s['refresh_calls'])}, {s['refresh_rcu']:.1f} RCU",
                ),
            ],
        )
    )
    return {
        "similar_recall_at_5": round(chosen["labelled"]["recall_at_5"], 3),
        "similar_mrr": round(chosen["labelled"]["mrr"], 3),
        "similar_recall_at_5_10k": round(chosen["at_10k"]["recall_at_5"], 3),
        "similar_mrr_10k": round(chosen["at_10k"]["mrr"], 3),
        "similar_index_p50_ms_10k": round(chosen["at_10k"]["p50_ms"], 2),
        "similar_service_p50_ms_10k": round(s["p50_ms"], 1),
    }


def sentiment() -> Results:
    from bench import sentiment

    r = sentiment.measure()
    print(f"\n## Comment sentiment: VADER on {r['sentences']} labelled sentences of product feedback\n")
    rows = [
        ("accuracy", f"{r['accuracy']:.1%}"),
        ("macro-F1", f"{r['macro_f1']:.3f}"),
        *((f"right, {kind}", f"{right} of {n}") for kind, (right, n) in r["by_kind"].items()),
        ("loading the lexicon (first comment of a warm function)", f"{r['load_ms']:.0f} ms"),
        ("scoring one comment", f"{r['per_comment_ms']:.2f} ms"),
    ]
    print(table(["what", "figure"], rows))
    labels = sentiment.LABELS
    print("\nlabelled (rows) against scored (columns):\n")
    print(table(["", *labels], [(want, *(r["confusion"][want, got] for got in labels)) for want in labels]))
    print("\nComprehend is not measured here: it needs AWS (moto answers every text with one canned label).")
    return {"sentiment_accuracy": round(r["accuracy"], 3), "sentiment_macro_f1": round(r["macro_f1"], 3)}


def coldstart() -> Results:
    from bench import coldstart

    figures = coldstart.measure()
    print("\n## Cold start to the first answer: import, and the first event, from the deployment zip\n")
    has_counts = "api_instructions" in figures

    def row(what: str, kind: str) -> tuple[str, ...]:
        counted = (f"{figures[kind + '_instructions'] / 1e6:,.0f} M",) if has_counts else ()
        return (what, *counted, f"{figures[kind + '_ms']:.0f} ms")

    headers = ["function", *(["instructions"] if has_counts else []), f"wall time, median of {coldstart.RUNS}"]
    rows = [
        row("API: GET /ideas/{id}, app.py", "api"),
        row("API: the same, bare libraries", "bare_api"),
        row("stream: one ballot record, app.py", "stream"),
        row("stream: the same, bare libraries", "bare_stream"),
    ]
    print(table(headers, rows))
    measure = "instructions" if has_counts else "wall time"
    print(
        f"\napp / bare by {measure}: API {figures['api_ratio']:.2f}x, stream {figures['stream_ratio']:.2f}x"
        f" (goal <= {coldstart.GOAL_RATIO}x)"
    )
    print("\n## Deployment package (make package)\n")
    rows = [
        ("deployment.zip", f"{figures['zip_mb']:.1f} MB", f"goal <= {coldstart.GOAL_ZIP_MB:g} MB"),
        ("unzipped", f"{figures['unzipped_mb']:.1f} MB", "Lambda's limit: 250 MB"),
    ]
    print(table(["what", "size", "limit"], rows))
    return {
        "coldstart_api_ratio": round(figures["api_ratio"], 3),
        "coldstart_stream_ratio": round(figures["stream_ratio"], 3),
        "zip_mb": round(figures["zip_mb"], 1),
    }


def soak() -> Results:
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
    return {
        "soak_writes_per_second": round(run.per_second, 1),
        "soak_lag_p50_ms": loaded["lag_ms"]["p50"],
        "soak_lag_p99_ms": loaded["lag_ms"]["p99"],
        "soak_moto_peak_mb": loaded["moto_peak_mb"],
    }


SECTIONS: dict[str, Callable[[], Results]] = {
    "capacity": capacity,
    "growth": growth,
    "report": report,
    "commitments": commitments,
    "sentiment": sentiment,
    "merge": merge,
    "notify": notify,
    "similar": similar,
    "coldstart": coldstart,
    "soak": soak,
}


def main(arguments: Sequence[str]) -> int:
    # Everything runs on moto, with the local stage's settings, whatever the shell says about AWS.
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    from infra.local import stage

    os.environ.update(stage.environment())
    chosen = arguments or list(SECTIONS)
    unknown = [a for a in chosen if a not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for section in chosen:
        results.update(SECTIONS[section]())
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")  # each section's, as it ends
    print(f"\nFigures written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
