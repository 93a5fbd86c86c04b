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
    # 3: a million items. Vectors get their own label (the index label, never reused) so a
    # file can hold several (video segments, audio windows); a change log lets indexes catch up
    # by sequence number; counts and sort keys let the grid page in SQL without reading the
    # whole table; an id tells an index which database it was built from.
    """
    CREATE TABLE vectors3 (
        label INTEGER PRIMARY KEY AUTOINCREMENT,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        segment INTEGER NOT NULL DEFAULT 0,
        start_s REAL,
        end_s REAL,
        model TEXT NOT NULL,
        space TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (file_id, model, segment)
    );
    INSERT INTO vectors3 (file_id, segment, model, space, dim, vector, created_at)
        SELECT file_id, 0, model, space, dim, vector, created_at FROM vectors
        ORDER BY space, file_id;
    DROP TABLE vectors;
    ALTER TABLE vectors3 RENAME TO vectors;
    CREATE INDEX vectors_space ON vectors(space);
    CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, label INTEGER NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta VALUES ('library_id', lower(hex(randomblob(16))));
    CREATE TRIGGER vectors_added AFTER INSERT ON vectors BEGIN
        INSERT INTO changes (label) VALUES (NEW.label);
    END;
    CREATE TRIGGER vectors_changed AFTER UPDATE ON vectors BEGIN
        INSERT INTO changes (label) VALUES (NEW.label);
    END;
    CREATE TRIGGER vectors_deleted AFTER DELETE ON vectors BEGIN
        INSERT INTO changes (label) VALUES (OLD.label);
    END;
    ALTER TABLE files ADD COLUMN name_key TEXT;
    UPDATE files SET name_key = mb_name_key(path);
    CREATE INDEX files_name ON files(name_key, path);
    CREATE INDEX files_kind_name ON files(kind, name_key, path);
    CREATE INDEX files_date ON files(mtime DESC, path);
    CREATE INDEX files_kind_date ON files(kind, mtime DESC, path);
    CREATE INDEX files_kind_path ON files(kind, path);
    CREATE TABLE file_counts (
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (kind, status)
    );
    INSERT INTO file_counts SELECT kind, status, COUNT(*) FROM files GROUP BY kind, status;
    CREATE TRIGGER files_added AFTER INSERT ON files BEGIN
        INSERT OR IGNORE INTO file_counts VALUES (NEW.kind, NEW.status, 0);
        UPDATE file_counts SET n = n + 1 WHERE kind = NEW.kind AND status = NEW.status;
    END;
    CREATE TRIGGER files_deleted AFTER DELETE ON files BEGIN
        UPDATE file_counts SET n = n - 1 WHERE kind = OLD.kind AND status = OLD.status;
    END;
    CREATE TRIGGER files_moved AFTER UPDATE OF status, kind ON files
    WHEN OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind BEGIN
        INSERT INTO changes (label) SELECT label FROM vectors WHERE file_id = NEW.id;
        UPDATE file_counts SET n = n - 1 WHERE kind = OLD.kind AND status = OLD.status;
        INSERT OR IGNORE INTO file_counts VALUES (NEW.kind, NEW.status, 0);
        UPDATE file_counts SET n = n + 1 WHERE kind = NEW.kind AND status = NEW.status;
    END
    """,
    # 4: duplicates. What the person decided (pairs that are not duplicates, chosen keepers,
    # reference folders) survives every run; the last listing is kept for the window to page
    # through (a group's id is its place in the listing, largest first); a 32×32 grey picture
    # of each photo finds copies saved turned or mirrored.
    """
    CREATE TABLE dup_not (
        a INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        at REAL NOT NULL,
        PRIMARY KEY (a, b)
    ) WITHOUT ROWID;
    CREATE TABLE dup_keepers (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        at REAL NOT NULL
    );
    CREATE TABLE dup_reference (path TEXT PRIMARY KEY, added_at REAL NOT NULL);
    CREATE TABLE dup_groups (
        id INTEGER PRIMARY KEY,
        tier TEXT NOT NULL,
        n INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        keeper INTEGER NOT NULL
    );
    CREATE TABLE dup_members (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES dup_groups(id) ON DELETE CASCADE,
        score REAL NOT NULL
    );
    CREATE INDEX dup_members_group ON dup_members(group_id);
    CREATE TABLE dup_listing (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE dup_pixels (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        gray BLOB,
        summary BLOB
    )
    """,
    # 5: a clip contained in its group's keeper (a longer video): where, in seconds
    """
    ALTER TABLE dup_members ADD COLUMN start_s REAL;
    ALTER TABLE dup_members ADD COLUMN end_s REAL;
    """,
    # 6: filters. When a photo was taken (EXIF) or a video recorded, and the camera; a file
    # indexed before this has NULL (its modification time stands in until it is read again).
    """
    ALTER TABLE files ADD COLUMN taken REAL;
    ALTER TABLE files ADD COLUMN camera TEXT;
    CREATE TRIGGER files_facets AFTER UPDATE OF path, size, mtime, taken, camera, width, height,
        duration ON files
    WHEN OLD.path IS NOT NEW.path OR OLD.size IS NOT NEW.size OR OLD.mtime IS NOT NEW.mtime
        OR OLD.taken IS NOT NEW.taken OR OLD.camera IS NOT NEW.camera
        OR OLD.width IS NOT NEW.width OR OLD.height IS NOT NEW.height
        OR OLD.duration IS NOT NEW.duration BEGIN
        INSERT INTO changes (label) SELECT label FROM vectors WHERE file_id = NEW.id;
    END
    """,
    # 7: collections: result sets and selections saved under a name, in their order
    """
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE collection_items (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        score REAL,
        PRIMARY KEY (collection_id, file_id)
    ) WITHOUT ROWID;
    CREATE INDEX collection_items_file ON collection_items(file_id);
    """,
    # 8: the cameras a library holds, for the filter menu, without reading every row
    """
    CREATE INDEX files_camera ON files(camera) WHERE camera IS NOT NULL;
    """,
    # 9: a library whose vectors are also in Milvus: the key of each label's row there (to
    # delete it when the label goes), and how far the store's change log was sent (meta)
    """
    CREATE TABLE vector_keys (
        label INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        key TEXT NOT NULL
    );
    """,
    # 10: a shared library followed from Milvus: which labels came from there (never sent
    # back) and the stamp of the row each was made from (a row seen already is skipped)
    """
    ALTER TABLE vector_keys ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE vector_keys ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX vector_keys_key ON vector_keys(key, space);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
