"""Consumers of the table's stream: pure "batch in, writes out" logic and a thin Lambda adapter."""
