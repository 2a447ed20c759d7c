"""The stream function's first batch: one ballot record, through app.py."""

from lambda_context import Context, event

import app

answer = app.on_table_change(event("stream_event"), Context())
assert answer["batchItemFailures"] == [], answer
