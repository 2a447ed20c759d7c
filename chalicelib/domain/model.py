"""The base of every pydantic model here.

Modules that define models do not use `from __future__ import annotations`: pydantic would have to evaluate
every field's annotation from its string at import, which a cold start pays for.
"""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    # A model's validator is built when first used, not at import: a cold start pays only for the models its
    # request needs, and the stream and schedule functions for none of the API's.
    # An answer's field with a default is still always sent: its schema says so, for clients generated from it.
    model_config = ConfigDict(defer_build=True, json_schema_serialization_defaults_required=True)
