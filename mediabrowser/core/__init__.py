"""The engine: scan, probe, decode, embed, store, index, jobs, search. Never imports Qt."""
