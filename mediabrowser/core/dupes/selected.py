"""What a person does with files they selected (on the map, say), not with copies of one
another: move them to the trash or into a folder, or copy them there. Each file that cannot be is
reported and the rest go on; the trash keeps what undo needs, and the library follows
every move."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mediabrowser.core.dupes.actions import (
    TRASHED,
    Action,
    Moved,
    changed_since_compared,
    find_in_trash,
    free_names,
    move_no_clobber,
)
from mediabrowser.core.library import Library
from mediabrowser.core.media.reasons import from_os_error
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import FileProblem


def _present(lib: Library, file_ids: list[int], action: Action, unchanged: bool = True
             ) -> list[FileRow]:
    """The files that are still there (and, when `unchanged`, as they were indexed: a file
    changed since is not what the person saw); the others are reported."""
    rows = lib.store.files_by_ids(file_ids)
    out = []
    for fid in file_ids:
        row = rows.get(fid)
        if row is None or row.status != "ok":
            continue
        why = changed_since_compared(row)
        if why is not None and (unchanged or not os.path.lexists(row.path)):
            action.problems.append(FileProblem(row.path, why, action.kind))
            continue
        out.append(row)
    return out


def trash_selected(lib: Library, file_ids: list[int]) -> Action:
    """Move these files to the system trash (the library marks them trashed, as clean-up
    does, so undo can bring them back)."""
    from send2trash import send2trash

    action = Action("trash")
    for row in _present(lib, file_ids, action):
        try:
            send2trash(row.path)
        except Exception as exc:  # noqa: BLE001 - OSError, TrashPermissionError, …
            reason = from_os_error(exc) if isinstance(exc, OSError) and exc.errno else \
                f"could not be moved to the trash ({exc})"
            action.problems.append(FileProblem(row.path, reason, "trash"))
            continue
        where, info = find_in_trash(row.path)
        action.moved.append(Moved(row.id, row.path, where or "", row.size, info))
        with lib.store.transaction() as c:  # one per file: a kill never loses track of one
            lib.store.update_file(c, row.id, status=TRASHED)
    lib.indexes.sync()
    return action


def copy_selected(lib: Library, file_ids: list[int], folder: str | Path) -> Action:
    """Copy these files into `folder` (a name taken there gets " (2)" and so on); the
    originals stay where they are and the library does not change."""
    action = Action("copy")
    dest_dir = Path(folder).expanduser().absolute()
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        action.problems.append(FileProblem(str(dest_dir), from_os_error(exc), "copy"))
        return action
    for row in _present(lib, file_ids, action, unchanged=False):
        for dest in free_names(dest_dir / os.path.basename(row.path)):
            try:
                fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                action.problems.append(FileProblem(row.path, from_os_error(exc), "copy"))
                break
            os.close(fd)
            try:
                shutil.copy2(row.path, dest)
            except OSError as exc:
                Path(dest).unlink(missing_ok=True)
                action.problems.append(FileProblem(row.path, from_os_error(exc), "copy"))
                break
            action.moved.append(Moved(row.id, row.path, str(dest), row.size))
            break
    return action


def move_selected(lib: Library, file_ids: list[int], folder: str | Path) -> Action:
    """Move these files into `folder` (never over a file there); the library follows."""
    action = Action("move")
    dest_dir = Path(folder).expanduser().absolute()
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        action.problems.append(FileProblem(str(dest_dir), from_os_error(exc), "move"))
        return action
    for row in _present(lib, file_ids, action):
        if Path(row.path).parent == dest_dir:
            continue  # already there
        try:
            dest = move_no_clobber(row.path, free_names(dest_dir / os.path.basename(row.path)))
        except OSError as exc:
            action.problems.append(FileProblem(row.path, from_os_error(exc), "move"))
            continue
        action.moved.append(Moved(row.id, row.path, str(dest), row.size))
        with lib.store.transaction() as c:
            lib.store.update_file(c, row.id, path=str(dest))
    return action
