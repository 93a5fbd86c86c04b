"""Duplicates: groups of copies in three tiers, a suggested keeper, and safe clean-up.

- `edges.py` finds pairs: byte-identical files by content hash, same-content and similar files
  by nearest-neighbour queries through each space's ANN graphs (never all pairs).
- `grouping.py` joins pairs with a union-find that honours "not duplicates", picks each group's
  keeper (`keeper.py`) and scores members against it.
- `decisions.py` keeps what the person decided (keepers, "not duplicates", reference folders)
  and the last listing, paged in SQL; `actions.py` moves files to the trash or a folder, with
  undo.
"""
