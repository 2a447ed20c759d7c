"""Demand reports in the demand bucket: each publication a timestamped JSON and CSV, and latest.json."""

from __future__ import annotations

from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from chalicelib.domain.demand import DemandReport
from chalicelib.domain.events import ReportKeys
from chalicelib.domain.text import iso
from chalicelib.observability import traced

_GENERATED_AT = "generated-at"  # latest.json's metadata: when the report it holds was made
_ATTEMPTS = 5
# Lambda answers at most 6 MB, and a JSON body goes inside a JSON response, its quotes escaped: a report larger
# than this is answered with a link to it (its CSV copy is smaller still).
INLINE_BYTES = 4_500_000
LINK_SECONDS = 300


class Link(NamedTuple):
    """Where a report too large to answer can be fetched, for a while."""

    url: str
    expires_in: int


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
        self._replace_latest(keys.latest, body, iso(report.generated_at))
        return keys

    def _replace_latest(self, key: str, body: bytes, generated_at: str) -> bool:
        """Make `body` the latest report unless a newer one is: latest.json never goes back. Written on condition
        that it is still the report read (S3's conditional writes); whether it was written."""
        for _attempt in range(_ATTEMPTS):
            current = self._head(key)
            if current is not None and current["Metadata"].get(_GENERATED_AT, "") >= generated_at:
                return False  # a publication made after this one is already the latest
            condition = {"IfMatch": current["ETag"]} if current is not None else {"IfNoneMatch": "*"}
            try:
                self._put(key, body, "application/json", metadata={_GENERATED_AT: generated_at}, **condition)
            except ClientError as error:
                if error.response["Error"]["Code"] not in ("PreconditionFailed", "ConditionalRequestConflict"):
                    raise
                continue  # another publication replaced it meanwhile: read it again
            return True
        raise RuntimeError(f"{key} kept changing under {_ATTEMPTS} attempts")

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        return head

    def latest(self, product_id: str, *, csv: bool = False) -> DemandReport | Link | None:
        """The latest report (None before the first), or a short-lived link to it when it is too large to answer
        in a response: to latest.json, or to the CSV copy of the same publication."""
        key = f"demand/{product_id}/latest.json"
        head = self._head(key)
        if head is None:
            return None
        if head["ContentLength"] > INLINE_BYTES:
            if csv:
                stamp = head["Metadata"][_GENERATED_AT].replace(":", "-")
                key = f"demand/{product_id}/{stamp}.csv"
            url = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=LINK_SECONDS
            )
            return Link(url, LINK_SECONDS)
        answer = self.client.get_object(Bucket=self.bucket, Key=key)
        return DemandReport.model_validate_json(answer["Body"].read())

    def _put(
        self, key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None, **condition: str
    ) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, Metadata=metadata or {}, **condition
        )
