"""Pydantic models and pure rules: no HTTP, no AWS."""
