"""The base of every pydantic model here."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    # A model's validator is built when first used, not at import: a cold start pays only for the models its
    # request needs, and the stream and schedule functions for none of the API's.
    model_config = ConfigDict(defer_build=True)
