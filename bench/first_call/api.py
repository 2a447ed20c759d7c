"""The API function's first request: GET /ideas/{idea_id}, through app.py."""

from lambda_context import Context, event

import app

answer = app.app(event("api_event"), Context())
assert answer["statusCode"] == 200, answer
