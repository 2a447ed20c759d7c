"""Operator commands, for the local stack (`make run`, the default) or a deployed stack (`--stack NAME`).

    python -m infra.ops recount [--product ID]         recompute counts from the ballots, repair any difference
    python -m infra.ops quarantine                      the stream records set aside as unreadable, and why
    python -m infra.ops quarantine --replay             read them again with today's code: a ballot's product is
                                                        recounted, an idea's events are sent (and its followers
                                                        told); then they go

In the cloud, `recount` invokes the stack's recount function (it reads the stream with the function's role);
the quarantine is read and replayed from here, with your credentials. `make recount` and `make quarantine` run
these against the local stack.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import boto3

from infra.local import stage
from infra.resources import RESOURCE_VARIABLES


def local_environment() -> dict[str, str]:
    port = os.environ.get("COCREATE_MOTO_PORT", "5000")
    return {**stage.environment(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}


def stack_outputs(stack: str) -> dict[str, str]:
    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def cloud_environment(outputs: dict[str, str]) -> dict[str, str]:
    """The functions' settings, as far as an operator's process needs them: it serves no request."""
    names = {variable: outputs[logical_id] for logical_id, variable in RESOURCE_VARIABLES.items()}
    return {**names, "COCREATE_STAGE": "operator", "COCREATE_IDENTITY": "unverified"}


def recount(outputs: dict[str, str] | None, product_id: str | None) -> dict[str, Any]:
    payload = {"product_id": product_id} if product_id else {}
    if outputs is None:
        from app import recount as handler

        result: dict[str, Any] = handler(payload, None)
        return result
    answer = boto3.client("lambda").invoke(FunctionName=outputs["RecountFunction"], Payload=json.dumps(payload))
    invoked: dict[str, Any] = json.loads(answer["Payload"].read())
    return invoked


def quarantine(replay: bool) -> dict[str, Any]:
    from chalicelib.domain.notifications import notices
    from chalicelib.store.notices import NoticeJobs
    from chalicelib.store.quarantine import Quarantine
    from chalicelib.streams.changes import ItemKind, read
    from chalicelib.wiring import services

    built = services()
    kept = Quarantine(built.ideas.ideas.table)
    listed = []
    for record in kept.all():
        entry: dict[str, Any] = {
            "shard_id": record.shard_id,
            "sequence_number": str(record.sequence_number),
            "quarantined_at": record.quarantined_at,
            "reason": record.unreadable.reason,
        }
        if replay:
            change = read(json.loads(record.unreadable.record))
            if change.unreadable is not None:
                entry["replayed"] = f"still unreadable: {change.unreadable.reason}"
            else:
                if change.kind is ItemKind.BALLOT:
                    product_id = json.loads(record.unreadable.record)["dynamodb"]["Keys"]["SK"]["S"].split("#", 1)[1]
                    built.recount.recount(product_id)
                    entry["replayed"] = f"recounted product {product_id}"
                else:
                    built.events.publish([event.envelope() for event in change.events])
                    if told := notices(change.events):  # and their followers are told, as the commit would have
                        table = built.ideas.ideas.table
                        table.put(NoticeJobs.entry(record.shard_id, record.sequence_number, told).item)
                    entry["replayed"] = f"sent {len(change.events)} events"
                kept.remove(record)
        listed.append(entry)
    return {"records": listed}


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.ops", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", help="a deployed stack's name (default: the local stack of make run)")
    commands = parser.add_subparsers(dest="command", required=True)
    recounting = commands.add_parser("recount", help="recompute counts from the ballots, repair any difference")
    recounting.add_argument("--product", help="only this product")
    quarantined = commands.add_parser("quarantine", help="the stream records set aside as unreadable")
    quarantined.add_argument("--replay", action="store_true", help="read them again, and apply what now reads")
    chosen = parser.parse_args(arguments)

    outputs = stack_outputs(chosen.stack) if chosen.stack else None
    for name in [n for n in os.environ if n.startswith("AWS_")] if outputs is None else []:
        del os.environ[name]
    os.environ.update(local_environment() if outputs is None else cloud_environment(outputs))
    result = recount(outputs, chosen.product) if chosen.command == "recount" else quarantine(chosen.replay)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
