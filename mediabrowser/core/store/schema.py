"""Numbered schema migrations. Append a new entry to add a version; never edit an old one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: files, their vectors per model, the folders the user added, job runs and their problems
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        hash TEXT,
        full_hash TEXT,
        width INTEGER,
        height INTEGER,
        duration REAL,
        sample_rate INTEGER,
        status TEXT NOT NULL DEFAULT 'ok',
        error TEXT,
        added_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX files_hash ON files(hash);
    CREATE INDEX files_status ON files(status);
    CREATE TABLE vectors (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        space TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (file_id, model)
    );
    CREATE INDEX vectors_space ON vectors(space);
    CREATE TABLE roots (
        path TEXT PRIMARY KEY,
        added_at REAL NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        state TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        job_id INTEGER REFERENCES jobs(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        stage TEXT NOT NULL,
        reason TEXT NOT NULL,
        at REAL NOT NULL
    );
    """,
    # 2: where a run computed and how fast, for `status` and the status bar
    """
    ALTER TABLE jobs ADD COLUMN device TEXT;
    ALTER TABLE jobs ADD COLUMN items_per_second REAL
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
