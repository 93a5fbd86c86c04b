"""The Duplicates tab's clean-up: trash or move the copies of a group or of every group,
naming the count and bytes and asking once, then undo. A room of its own, given what it
needs: the page, the library owner (its writer thread does the moving), the group on show,
the questions to ask, and how to refresh the listing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mediabrowser.core.dupes import decisions
from mediabrowser.core.dupes.actions import Action, can_undo_trash
from mediabrowser.core.format import count, format_size, plural
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.workers import call_later


@dataclass
class Asks:
    """The questions the tab asks the person (a test answers them instead)."""

    confirm: Callable[[str, str], bool]
    confirm_groups: Callable[[str, str, list[decisions.GroupRow]], bool]
    choose_folder: Callable[[], str]


@dataclass
class ShownGroup:
    """The group on show and its members (row, score, identical), keeper first."""

    group: decisions.GroupRow | None = None
    members: list[tuple[Any, float, bool]] = field(default_factory=list)

    def others(self) -> list[Any]:
        """Every member but the keeper."""
        assert self.group is not None
        return [r for r, _s, _i in self.members if r.id != self.group.keeper]

    def keeper_name(self) -> str:
        from mediabrowser.core.filenames import display_name

        assert self.group is not None
        keeper = next((r for r, _s, _i in self.members if r.id == self.group.keeper), None)
        return display_name(keeper.path) if keeper is not None else "the keeper"


class CleanupRoom:
    """Trash, move and undo for the Duplicates tab. `refresh(keep_row)` redraws the listing;
    `busy()` says a search for duplicates is running (nothing is moved meanwhile)."""

    def __init__(self, page: Any, owner: LibraryOwner, status: Callable[[str], None],
                 asks: Asks, shown: ShownGroup, refresh: Callable[..., None],
                 busy: Callable[[], bool]) -> None:
        self.page = page
        self.owner = owner
        self.status = status
        self.asks = asks
        self.shown = shown
        self.refresh = refresh
        self.busy = busy
        self.undo_stack: list[Action | decisions.Marked] = []

    # ---- clean-up ---------------------------------------------------------------------------
    def trash_group(self) -> None:
        if self.shown.group is None:
            return
        others = self.shown.others()
        size = sum(r.size for r in others)
        if self.asks.confirm("Move to Trash", f"Move {count(len(others), 'file')} "
                        f"({format_size(size)}) to the trash, keeping "
                        f"{self.shown.keeper_name()}?{_undo_note()}"):
            self._run_action("trash", self._plan())

    def _plan(self) -> list[tuple[int, list[int]]]:
        assert self.shown.group is not None
        return [(self.shown.group.keeper, [r.id for r in self.shown.others()])]

    def move_group(self) -> None:
        if self.shown.group is None:
            return
        others = self.shown.others()
        folder = self.asks.choose_folder()
        if not folder:
            return
        size = sum(r.size for r in others)
        if self.asks.confirm("Move to Folder", f"Move {count(len(others), 'file')} "
                        f"({format_size(size)}) into {folder}, keeping "
                        f"{self.shown.keeper_name()}?"):
            self._run_action("move", self._plan(), folder)

    def trash_all(self) -> None:
        groups, similar = decisions.bulk_groups(self.owner.reader.store)
        if not groups:
            self.status("Similar groups are not cleaned up in bulk: look at each one and "
                        "choose what to keep")
            return
        extra = sum(g.n - 1 for g in groups)
        size = sum(g.bytes for g in groups)
        n = len(groups)
        text = (f"Move {extra} extra {plural(extra, 'copy')} ({format_size(size)}) "
                f"of {count(n, 'group')} to the trash, keeping one file of each?")
        if similar:
            text += (f"\n\n{count(similar, 'similar group')} {plural(similar, 'is')} left "
                     "alone: look at each and choose what to keep.")
        if self.asks.confirm_groups("Move to Trash", text + _undo_note(), groups):
            self._run_action("trash", decisions.bulk_plan(self.owner.reader.store,
                                                          [g.id for g in groups]))

    def _run_action(self, kind: str, plan: list[tuple[int, list[int]]],
                    folder: str | None = None) -> None:
        from mediabrowser.core.dupes.actions import move_files, trash_files

        if self.busy():
            return
        lib = self.owner.writer
        row = max(self.page.groups.currentIndex().row(), 0)
        fn = (lambda: trash_files(lib, plan)) if kind == "trash" else \
            (lambda: move_files(lib, plan, folder or ""))
        self.page.setEnabled(False)
        self.status("Moving files to the trash…" if kind == "trash" else "Moving files…")
        call_later(self.owner.write_pool, fn, lambda action: self._acted(action, row), self.failed)

    def _acted(self, action: Action, row: int) -> None:
        self.page.setEnabled(True)
        undoable = action.moved and (action.kind != "trash" or can_undo_trash())
        if undoable:
            self.undo_stack.append(action)
        where = "to the trash" if action.kind == "trash" else "to the folder"
        text = f"Moved {count(len(action.moved), 'file')} " \
               f"({format_size(action.bytes)}) {where}"
        if action.protected:
            text += f"; {action.protected} kept (in a reference folder, or chosen to keep)"
        if action.problems:
            first = action.problems[0]
            text += f"; {len(action.problems)} left in place ({first.path}: {first.reason})"
        if action.moved:
            text += " — Undo puts them back" if undoable else \
                " — they can be put back from the system trash"
        self.status(text)
        self.refresh(keep_row=row)
        self.owner.announce(Changes(files=True))

    def failed(self, reason: str) -> None:
        """A write did not work: say why, and show the listing as it is."""
        self.page.setEnabled(True)
        self.status(f"That did not work: {reason}")
        self.refresh()

    def undo(self) -> None:
        from mediabrowser.core.dupes.actions import undo

        if not self.undo_stack or not self.page.isEnabled():
            return
        action = self.undo_stack.pop()
        lib = self.owner.writer
        if isinstance(action, decisions.Marked):
            self._undo_marked(action)
            return
        self.page.setEnabled(False)

        def done(problems: list) -> None:
            self.page.setEnabled(True)
            back = len(action.moved) - len(problems)
            text = f"Put back {count(back, 'file')}"
            if problems:
                text += f"; {len(problems)} could not be ({problems[0].path}: " \
                        f"{problems[0].reason})"
            self.status(text)
            self.refresh()
            if action.groups:  # show the group that came back
                row = self.page.groups_model.row_of(action.groups[0].id)
                if row is not None:
                    self.page.groups.setCurrentIndex(self.page.groups_model.index(row))
            self.owner.announce(Changes(files=True))

        def failed(reason: str) -> None:
            self.undo_stack.append(action)  # nothing was put back: it can be tried again
            self.failed(reason)

        call_later(self.owner.write_pool, lambda: undo(lib, action), done, failed)

    def _undo_marked(self, marked: decisions.Marked) -> None:
        store = self.owner.writer.store
        self.page.setEnabled(False)

        def done(_none: Any) -> None:
            self.page.setEnabled(True)
            self.status("Not marked any more: those files can be grouped again")
            self.refresh()
            row = self.page.groups_model.row_of(marked.groups[0].id) if marked.groups else None
            if row is not None:
                self.page.groups.setCurrentIndex(self.page.groups_model.index(row))

        def failed(reason: str) -> None:
            self.undo_stack.append(marked)
            self.failed(reason)

        call_later(self.owner.write_pool, lambda: decisions.undo_marked(store, marked), done,
                   failed)


def _undo_note() -> str:
    return "\n\nUndo puts them back." if can_undo_trash() else \
        "\n\nThey can be put back from the system trash."
