"""What a person does with files they selected (on the map, say), not with copies of one
another: move them to the trash or into a folder, or copy them there. Each file that cannot be is
reported and the rest go on; the trash keeps what undo needs, and the library follows
every move."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mediabrowser.core.dupes.actions import (
    Action,
    Moved,
    changed_since_compared,
    free_names,
    move_rows,
    target_folder,
    trash_rows,
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
    action = Action("trash")
    trash_rows(lib, _present(lib, file_ids, action), action, "trash")
    lib.indexes.sync()
    return action


def copy_selected(lib: Library, file_ids: list[int], folder: str | Path) -> Action:
    """Copy these files into `folder` (a name taken there gets " (2)" and so on); the
    originals stay where they are and the library does not change."""
    action = Action("copy")
    dest_dir = target_folder(folder, action, "copy")
    if dest_dir is None:
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
    dest_dir = target_folder(folder, action, "move")
    if dest_dir is None:
        return action
    rows = [r for r in _present(lib, file_ids, action) if Path(r.path).parent != dest_dir]
    move_rows(lib, rows, dest_dir, action, "move")  # those already there stay
    return action
