"""The first event a cold function handles, app and bare: copied beside the unpacked zip and imported there by
bench/coldstart.py, so that the import and the first call are measured together."""
