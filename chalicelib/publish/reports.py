"""Demand reports in the demand bucket: each publication a timestamped JSON and CSV, and latest.json."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.demand import DemandReport
from chalicelib.domain.events import ReportKeys
from chalicelib.domain.text import iso
from chalicelib.observability import traced


@traced
class ReportStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def save(self, report: DemandReport) -> ReportKeys:
        """The copies first and latest.json last, so that latest.json always names a complete publication."""
        folder = f"demand/{report.product_id}"
        stamp = iso(report.generated_at).replace(":", "-")
        keys = ReportKeys(
            latest=f"{folder}/latest.json", json_copy=f"{folder}/{stamp}.json", csv_copy=f"{folder}/{stamp}.csv"
        )
        body = report.model_dump_json().encode()
        self._put(keys.json_copy, body, "application/json")
        self._put(keys.csv_copy, report.csv().encode(), "text/csv; charset=utf-8")
        self._put(keys.latest, body, "application/json")
        return keys

    def latest(self, product_id: str) -> DemandReport | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=f"demand/{product_id}/latest.json")
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        return DemandReport.model_validate_json(answer["Body"].read())

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
