"""The library's maps: one per vector space, computed as a job, saved in the library folder,
kept up to date with the store's change log (core/layout holds the methods)."""
