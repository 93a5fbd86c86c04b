"""Clean-up that can be undone: copies go to the system trash (send2trash: the freedesktop
trash on Linux, the Recycle Bin, the macOS Trash) or into a folder; nothing is ever deleted
outright. The library follows: a trashed file's row is marked "trashed" (vectors kept, so undo
is instant), a moved file's row takes its new path.

Undo of a trash on Linux puts the file back from the freedesktop trash where send2trash put it
(found by its .trashinfo); elsewhere the system's own "Put Back" does it."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

from mediabrowser.core.dupes import decisions
from mediabrowser.core.dupes.keeper import under
from mediabrowser.core.library import Library
from mediabrowser.core.media.reasons import from_os_error
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import FileProblem

TRASHED = "trashed"  # the status of a file the library moved to the trash


@dataclass
class Moved:
    file_id: int
    original: str
    now: str  # where the file is: its path in the trash, or in the folder it was moved to
    size: int
    info: str | None = None  # the trash's .trashinfo for it (freedesktop)


@dataclass
class Action:
    """What one clean-up did, enough to undo it."""

    kind: str  # "trash" or "move"
    moved: list[Moved] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    protected: int = 0  # files left alone: in a reference folder, or a keeper you chose
    groups: list[decisions.GroupRow] = field(default_factory=list)
    members: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    listing: float | None = None  # the kept listing it changed (undo restores only that one)

    @property
    def bytes(self) -> int:
        return sum(m.size for m in self.moved)


Plan = list[tuple[int, list[int]]]  # (the keeper, the copies to move), per group


def changed_since_compared(row: FileRow) -> str | None:
    """Why a file is not what was compared any more, or None when it is."""
    try:
        st = os.lstat(row.path)
    except OSError as exc:
        return from_os_error(exc)
    if stat.S_ISLNK(st.st_mode):
        return "it is a link to another file"
    if st.st_size != row.size or st.st_mtime != row.mtime:
        return "it changed since it was compared (rescan, then look again)"
    return None


def _checked(lib: Library, plan: Plan, action: Action) -> list[FileRow]:
    """The copies of `plan` that can go: their group's keeper is still there as compared, and
    they are too, and are not that very file, nor protected. The others are reported (or, when
    protected, counted) and left alone."""
    keep_ids = decisions.chosen_keepers(lib.store)
    folders = decisions.reference_folders(lib.store)
    rows = lib.store.files_by_ids({f for k, others in plan for f in (k, *others)})
    out: list[FileRow] = []
    for keeper_id, others in plan:
        keeper = rows.get(keeper_id)
        why = "it is no longer in the library" if keeper is None or keeper.status != "ok" \
            else changed_since_compared(keeper)
        if why is not None:
            for fid in others:
                if fid in rows:
                    action.problems.append(FileProblem(
                        rows[fid].path, f"left in place: the copy to keep is not there as it "
                        f"was compared ({why})", "clean-up"))
            continue
        assert keeper is not None
        for fid in others:
            row = rows.get(fid)
            if fid == keeper_id or row is None:
                continue
            if row.status != "ok":
                action.problems.append(FileProblem(row.path, "it is no longer in the library",
                                                   "clean-up"))
                continue
            if fid in keep_ids or under(row.path, folders):
                action.protected += 1
                continue
            why = changed_since_compared(row)
            if why is None and _same_file(row.path, keeper.path):
                why = "it is the very file kept, under another name"
            if why is not None:
                action.problems.append(FileProblem(row.path, why, "clean-up"))
                continue
            out.append(row)
    return out


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _forget_groups(lib: Library, file_ids: list[int], action: Action) -> None:
    gids = {g for f in file_ids if (g := decisions.group_of(lib.store, f)) is not None}
    action.groups = decisions.group_rows(lib.store, gids)
    action.members = {g: decisions.group_members(lib.store, g) for g in gids}
    settings = decisions.listing_settings(lib.store)
    action.listing = settings.get("at") if settings else None
    decisions.drop_groups(lib.store, gids)


def trash_files(lib: Library, plan: Plan) -> Action:
    """Move the copies of `plan` to the system trash; each that cannot go is reported, the
    rest go."""
    action = Action("trash")
    trash_rows(lib, _checked(lib, plan, action), action, "clean-up")
    _forget_groups(lib, [m.file_id for m in action.moved], action)
    lib.indexes.sync()
    return action


def trash_rows(lib: Library, rows: list[FileRow], action: Action, stage: str) -> None:
    """Move these files to the system trash and mark them trashed in the library (what undo
    needs is kept in `action`); each that cannot go is reported, the rest go."""
    from send2trash import send2trash

    for row in rows:
        try:
            send2trash(row.path)
        except Exception as exc:  # noqa: BLE001 - OSError, TrashPermissionError, …
            reason = from_os_error(exc) if isinstance(exc, OSError) and exc.errno else \
                f"could not be moved to the trash ({exc})"
            action.problems.append(FileProblem(row.path, reason, stage))
            continue
        where, info = find_in_trash(row.path)
        action.moved.append(Moved(row.id, row.path, where or "", row.size, info))
        with lib.store.transaction() as c:  # one per file: a kill never loses track of one
            lib.store.update_file(c, row.id, status=TRASHED)


def target_folder(folder: str | Path, action: Action, stage: str) -> Path | None:
    """`folder` made if missing; None (and the reason in `action`) when it cannot be."""
    dest_dir = Path(folder).expanduser().absolute()
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        action.problems.append(FileProblem(str(dest_dir), from_os_error(exc), stage))
        return None
    return dest_dir


def move_files(lib: Library, plan: Plan, folder: str | Path) -> Action:
    """Move the copies of `plan` into `folder` (a name taken there gets " (2)" and so on)."""
    action = Action("move")
    dest_dir = target_folder(folder, action, "clean-up")
    if dest_dir is None:
        return action
    move_rows(lib, _checked(lib, plan, action), dest_dir, action, "clean-up")
    _forget_groups(lib, [m.file_id for m in action.moved], action)
    return action


def move_rows(lib: Library, rows: list[FileRow], dest_dir: Path, action: Action,
              stage: str) -> None:
    """Move these files into `dest_dir` (never over a file there); the library follows each
    one as it goes."""
    for row in rows:
        try:
            dest = move_no_clobber(row.path, free_names(dest_dir / os.path.basename(row.path)))
        except OSError as exc:
            action.problems.append(FileProblem(row.path, from_os_error(exc), stage))
            continue
        action.moved.append(Moved(row.id, row.path, str(dest), row.size))
        with lib.store.transaction() as c:
            lib.store.update_file(c, row.id, path=str(dest))


def undo(lib: Library, action: Action) -> list[FileProblem]:
    """Put every file of `action` back where it was; what cannot be is reported."""
    problems: list[FileProblem] = []
    back: list[Moved] = []
    for m in action.moved:
        if not m.now or not os.path.lexists(m.now):
            problems.append(FileProblem(m.original, "it is no longer in the trash (emptied?)"
                                        if action.kind == "trash" else
                                        f"it is no longer at {m.now}", "undo"))
            continue
        try:
            os.makedirs(os.path.dirname(m.original), exist_ok=True)
            move_no_clobber(m.now, iter([Path(m.original)]))
        except FileExistsError:
            problems.append(FileProblem(m.original, "another file is at its old place now",
                                        "undo"))
            continue
        except OSError as exc:
            problems.append(FileProblem(m.original, from_os_error(exc), "undo"))
            continue
        if m.info:
            Path(m.info).unlink(missing_ok=True)
        back.append(m)
        with lib.store.transaction() as c:
            if action.kind == "trash":
                lib.store.update_file(c, m.file_id, status="ok")
            else:
                lib.store.update_file(c, m.file_id, path=m.original)
    settings = decisions.listing_settings(lib.store)
    if back and settings and settings.get("at") == action.listing:
        decisions.restore_groups(lib.store, action.groups, action.members)
    if back:
        lib.indexes.sync()
    return problems


def free_names(path: Path) -> Iterator[Path]:
    yield path
    n = 2
    while True:
        yield path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1


def move_no_clobber(src: str, candidates: Iterator[Path]) -> Path:
    """Move `src` to the first free name of `candidates`, never over a file: the name is
    taken first (created empty, exclusively), then the file replaces that placeholder."""
    for dest in candidates:
        try:
            fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        try:
            try:
                os.replace(src, dest)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.copy2(src, dest)  # another disk: copy, then remove the original
                os.unlink(src)
        except BaseException:
            with contextlib.suppress(OSError):
                if os.path.getsize(dest) == 0:
                    os.unlink(dest)
            raise
        return dest
    raise FileExistsError(errno.EEXIST, "no free name")


def can_undo_trash() -> bool:
    """Whether undo can take files back out of the system trash (the freedesktop one)."""
    return sys.platform not in ("win32", "darwin")


def _trash_dirs(path: str) -> list[tuple[str, str]]:
    """(trash folder, the folder its recorded paths are relative to) where send2trash may
    have put a file of `path`'s folder: the home trash, then the volume's own."""
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    dirs = [(os.path.join(data, "Trash"), data)]
    mount = os.path.realpath(path)
    while not os.path.ismount(mount):
        mount = os.path.dirname(mount)
    dirs += [(os.path.join(mount, ".Trash", str(os.getuid())), mount),
             (os.path.join(mount, f".Trash-{os.getuid()}"), mount)]
    return dirs


def find_in_trash(original: str) -> tuple[str | None, str | None]:
    """(the file's path in the freedesktop trash, its .trashinfo) after send2trash put it
    there: the newest entry whose recorded path is `original`."""
    if not can_undo_trash():
        return None, None
    stem, ext = os.path.splitext(os.path.basename(original))
    best: tuple[str, str, str] | None = None
    for trash, topdir in _trash_dirs(os.path.dirname(original) or "/"):
        pattern = os.path.join(glob.escape(os.path.join(trash, "info")),
                               glob.escape(stem) + "*" + glob.escape(ext) + ".trashinfo")
        for info in glob.glob(pattern):
            recorded, date = _read_info(info)
            if recorded is None:
                continue
            full = recorded if os.path.isabs(recorded) else os.path.join(topdir, recorded)
            if os.path.abspath(full) != os.path.abspath(original):
                continue
            name = os.path.basename(info)[: -len(".trashinfo")]
            where = os.path.join(trash, "files", name)
            if os.path.lexists(where) and (best is None or date > best[2]):
                best = (where, info, date)
    return (best[0], best[1]) if best else (None, None)


def _read_info(info: str) -> tuple[str | None, str]:
    try:
        text = Path(info).read_text(errors="surrogateescape")
    except OSError:
        return None, ""
    path, date = None, ""
    for line in text.splitlines():
        if line.startswith("Path="):
            path = os.fsdecode(unquote_to_bytes(line[5:]))
        elif line.startswith("DeletionDate="):
            date = line[13:]
    return path, date
