"""What Lambda hands a function: its context, and the event the bench wrote beside it."""

import json
from pathlib import Path
from typing import Any


class Context:
    aws_request_id = "cold-start"
    function_name = "cocreate-cold-start"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:cocreate-cold-start"

    def get_remaining_time_in_millis(self) -> int:
        return 28_000


def event(name: str) -> Any:
    return json.loads((Path(__file__).parent / f"{name}.json").read_text())
