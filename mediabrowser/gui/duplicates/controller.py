"""The Duplicates tab's room: finding groups (a core job on its own thread, with progress and
cancel), the chosen group side by side, the keeper, "not duplicates", and clean-up that names
the count and bytes, asks once, and can be undone.

Everything that writes runs on the library owner's writer thread (gui/library_owner.py); the
page reads the kept listing on the GUI thread (one page of groups, one group's members)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mediabrowser.core.dupes import decisions
from mediabrowser.core.dupes.keeper import keeper_reason
from mediabrowser.core.format import count, format_size, plural
from mediabrowser.core.jobs.runner import Failure
from mediabrowser.core.library import Library
from mediabrowser.gui.duplicates.cleanup import Asks, CleanupRoom, ShownGroup
from mediabrowser.gui.duplicates.group_model import GroupRole
from mediabrowser.gui.duplicates.page import DuplicatesPage
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.workers import GeneratorWorker, call_later


def _ask(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes
                                  | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def _ask_groups(page: DuplicatesPage, title: str, text: str,
                groups: list[decisions.GroupRow], lib: Library) -> bool:
    from PySide6.QtWidgets import QDialog

    from mediabrowser.gui.duplicates.confirm_groups import GroupsConfirm

    dialog = GroupsConfirm(title, text, groups, lib.store, page.compare.thumbs, page)
    return dialog.exec() == QDialog.DialogCode.Accepted


class DuplicatesController(QObject):
    finished = Signal()  # a search for duplicates ended (found, cancelled or failed)

    def __init__(self, page: DuplicatesPage, owner: LibraryOwner,
                 status: Callable[[str], None]) -> None:
        super().__init__(page)
        self.page = page
        self.owner = owner
        lib = owner.reader
        self.lib = lib  # GUI thread: reads the listing
        self.work_lib = owner.writer  # the writer thread's: everything that writes
        self.pool = owner.write_pool
        self.status = status
        self.worker: GeneratorWorker | None = None
        self.shown = ShownGroup()
        # The questions asked (a test answers them instead).
        self.asks = Asks(
            confirm=lambda t, x: _ask(page, t, x),
            confirm_groups=lambda t, x, groups: _ask_groups(page, t, x, groups, lib),
            choose_folder=lambda: QFileDialog.getExistingDirectory(
                page, "Move the other copies into…"))
        self.cleanup = CleanupRoom(page, owner, status, self.asks, self.shown, self.refresh,
                                   busy=lambda: self.worker is not None)
        self.choose_scope: Callable[[], str] = lambda: QFileDialog.getExistingDirectory(
            page, "Look for duplicates of the files in…")
        self.run_dialog: Callable[[Any], Any] = lambda d: d.exec()
        self.scope_folder = ""
        p = page
        p.find_button.clicked.connect(self.find)
        p.cancel_button.clicked.connect(self.cancel)
        p.groups.selectionModel().currentChanged.connect(lambda cur, _prev: self._show(cur))
        p.compare.keeper_chosen.connect(self.set_keeper)
        p.trash_button.clicked.connect(self.cleanup.trash_group)
        p.move_button.clicked.connect(self.cleanup.move_group)
        p.not_dup_button.clicked.connect(self.not_duplicates)
        p.skip_button.clicked.connect(self.next_group)
        p.trash_all_button.clicked.connect(self.cleanup.trash_all)
        p.undo_button.clicked.connect(self.cleanup.undo)
        p.marked_button.clicked.connect(self.show_marked)
        p.undo_shortcut.activated.connect(self.cleanup.undo)
        p.reference_menu.aboutToShow.connect(self._fill_reference_menu)
        p.scope_box.activated.connect(self._scope_chosen)
        owner.changed.connect(self._library_changed)
        self.refresh()

    def _library_changed(self, changes: Changes) -> None:
        if not self.owner.closing and changes.files and self.worker is None:
            self.refresh()  # the kept groups drop files that are gone

    # ---- the listing ------------------------------------------------------------------------
    def refresh(self, keep_row: int = 0) -> None:
        p = self.page
        p.groups_model.reload()
        n, extra, size = decisions.listing_totals(self.lib.store)
        settings = decisions.listing_settings(self.lib.store)
        if settings is None:
            p.summary.setText("Find copies of the same photo, video or recording, and keep one.")
        elif n == 0:
            p.summary.setText("No duplicates found" + _when(settings) + ".")
        else:
            p.summary.setText(f"{count(n, 'group')} · {extra} extra "
                              f"{plural(extra, 'copy')} · {format_size(size)} to "
                              f"free{_when(settings)}")
        p.trash_all_button.setEnabled(self.worker is None
                                      and decisions.bulk_count(self.lib.store) > 0)
        p.undo_button.setEnabled(bool(self.cleanup.undo_stack))
        rows = p.groups_model.rowCount()
        if rows:
            p.groups.setCurrentIndex(p.groups_model.index(min(keep_row, rows - 1)))
        else:
            self.shown.group = None
            p.compare.clear()
            p.group_title.setText("")
            p.set_group_buttons(False)

    def _show(self, index: Any) -> None:
        p = self.page
        g = index.data(GroupRole) if index.isValid() else None
        if g is None:
            return
        self.shown.group = g
        members = decisions.group_members(self.lib.store, g.id)
        rows = self.lib.store.files_by_ids([f for f, _s in members])
        keeper = rows.get(g.keeper)
        self.shown.members = []
        for fid, score in sorted(members, key=lambda m: (m[0] != g.keeper, -m[1])):
            r = rows.get(fid)
            if r is not None:  # only the same bytes score a whole 1 (grouping.py)
                self.shown.members.append((r, score, score >= 1.0))
        parts = decisions.group_parts(self.lib.store, g.id)
        reason = keeper_reason(keeper.item(), [r.item() for r, _s, _i in self.shown.members],
                               decisions.chosen_keepers(self.lib.store),
                               decisions.reference_folders(self.lib.store),
                               contained=parts) if keeper else ""
        p.compare.show_group(self.shown.members, g.keeper, reason, parts)
        words = {"identical": "Identical files", "same": "The same content",
                 "similar": "Similar"}
        n = len(self.shown.members)
        if parts and len(parts) == n - 1:  # a video and clips cut from it: nothing to free
            p.group_title.setText(f"<b>A video and {count(n - 1, 'clip')} cut from it</b>"
                                  " · clean-up leaves the clips alone")
        else:
            p.group_title.setText(f"<b>{words.get(g.tier, g.tier)}</b> · {n} files"
                                  f" · keeping one frees {format_size(g.bytes)}")
        p.set_group_buttons(True)

    # ---- finding ----------------------------------------------------------------------------
    def find(self) -> None:
        from mediabrowser.core.dupes.grouping import find_duplicates_job

        if self.worker is not None:
            return
        tier = self.page.tier_box.currentData()
        scope = self.page.scope_box.currentData()
        paths = [self.scope_folder] if scope != "all" and self.scope_folder else None
        reference = decisions.reference_folders(self.lib.store) if scope == "against" else None
        if scope == "against" and not reference:
            self.status("Add a reference folder first (Reference Folders menu): the folder's "
                        "files are compared only against those")
            return
        lib = self.work_lib

        def job(token: Any) -> Any:
            report = yield from find_duplicates_job(lib, tier, paths, reference, cancel=token)
            decisions.save_listing(lib.store, report.groups, {"tier": tier, "in": paths or [],
                                                              "against": reference or []})
            return report

        worker = GeneratorWorker(job)
        worker.signals.progress.connect(self._progress)
        worker.signals.finished.connect(self._found)
        worker.signals.failed.connect(self._failed)
        self.worker = worker
        self.page.set_busy(True)
        self.page.progress.setRange(0, 0)
        self.page.trash_all_button.setEnabled(False)
        self.status("Looking for duplicates…")
        self.pool.start(worker)

    def _scope_chosen(self, index: int) -> None:
        box = self.page.scope_box
        if box.itemData(index) == "all":
            return
        folder = self.choose_scope()
        if not folder:
            box.setCurrentIndex(0)
            return
        self.scope_folder = folder
        label = "In" if box.itemData(index) == "folder" else "Against the reference folders:"
        box.setItemText(index, f"{label} {folder}")

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _progress(self, p: Any) -> None:
        from mediabrowser.core.driver import progress_text

        if p.total:
            self.page.progress.setRange(0, p.total)
            self.page.progress.setValue(p.done)
        else:
            self.page.progress.setRange(0, 0)
        self.status(progress_text(p))

    def _found(self, report: Any) -> None:
        self.worker = None
        self.page.set_busy(False)
        n = len(report.groups)
        self.status(f"Found {count(n, 'group')} of duplicates among {count(report.files, 'file')} "
                    f"in {report.seconds:.1f} s")
        self.refresh()
        self.finished.emit()

    def _failed(self, failure: Failure) -> None:
        self.worker = None
        self.page.set_busy(False)
        self.status("Stopped looking for duplicates" if failure.cancelled
                    else f"Could not look for duplicates: {failure}")
        self.refresh()
        self.finished.emit()

    # ---- decisions --------------------------------------------------------------------------
    def _write(self, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run a write on the work thread (the one writer), then `then` on this one."""
        self.page.setEnabled(False)

        def done(value: Any) -> None:
            self.page.setEnabled(True)
            then(value)

        call_later(self.pool, fn, done, self.cleanup.failed)

    def set_keeper(self, file_id: int) -> None:
        g = self.shown.group
        if g is None or self.worker is not None:
            return
        from mediabrowser.core.dupes.stars import rescore

        others = [r.id for r, _s, _i in self.shown.members if r.id != file_id]
        lib, gid = self.work_lib, g.id
        row = self.page.groups.currentIndex().row()

        def write() -> None:
            decisions.choose_keeper(lib.store, file_id, others)
            rescore(lib, gid, file_id)  # the scores shown are against the keeper

        def then(_none: Any) -> None:
            self.refresh(keep_row=row)
            self.status("Keeping the chosen copy (remembered for the next search)")

        # Not at once: the click that chose it is still being delivered to its card.
        QTimer.singleShot(0, lambda: self._write(write, then))

    def not_duplicates(self) -> None:
        if self.shown.group is None or self.worker is not None:
            return
        n = len(self.shown.members)
        gid = self.shown.group.id
        store = self.work_lib.store
        row = self.page.groups.currentIndex().row()

        def then(marked: decisions.Marked) -> None:
            self.cleanup.undo_stack.append(marked)
            self.refresh(keep_row=row)
            self.status(f"{n} files marked as not duplicates; they will not be grouped again "
                        "— Undo takes it back")

        self._write(lambda: decisions.mark_group_not_duplicates(store, gid), then)

    def show_marked(self) -> None:
        """The files marked as not duplicates, newest first; a mark can be taken back."""
        from mediabrowser.gui.duplicates.marked import MarkedDialog

        dialog = MarkedDialog(self.lib.store, self.page)

        def unmark(pairs: list[tuple[int, int]]) -> None:
            store = self.work_lib.store

            def then(_none: Any) -> None:
                dialog.reload()
                self.status(f"{count(len(pairs), 'pair')} unmarked: they can "
                            "be grouped again by the next search")

            self._write(lambda: decisions.unmark_pairs(store, pairs), then)

        dialog.unmark.connect(unmark)
        self.run_dialog(dialog)

    def next_group(self) -> None:
        row = self.page.groups.currentIndex().row() + 1
        model = self.page.groups_model
        if row >= model.rowCount() and model.canFetchMore():
            model.fetchMore()
        if row < model.rowCount():
            self.page.groups.setCurrentIndex(model.index(row))

    # ---- reference folders ------------------------------------------------------------------
    def _fill_reference_menu(self) -> None:
        menu = self.page.reference_menu
        menu.clear()
        menu.addAction("Add Reference Folder…", self.add_reference)
        folders = decisions.reference_folders(self.lib.store)
        if folders:
            menu.addSeparator()
            for f in folders:
                menu.addAction(f"Remove {f}", partial(self.remove_reference, f))

    def add_reference(self, folder: str | None = None) -> None:
        folder = folder or QFileDialog.getExistingDirectory(
            self.page, "Copies in this folder are always kept")
        if folder:
            folders = [*decisions.reference_folders(self.lib.store), folder]
            self._write(lambda: decisions.set_reference_folders(self.work_lib.store, folders),
                        lambda _n: self.status(f"Copies in {folder} will be the ones kept "
                                               "(from the next search)"))

    def remove_reference(self, folder: str) -> None:
        folders = [f for f in decisions.reference_folders(self.lib.store) if f != folder]
        self._write(lambda: decisions.set_reference_folders(self.work_lib.store, folders),
                    lambda _n: self.status(f"{folder} is no longer a reference folder"))



def _when(settings: dict) -> str:
    at = settings.get("at")
    where = f" in {settings['in'][0]}" if settings.get("in") else ""
    return where + (f" (found {time.strftime('%H:%M', time.localtime(at))})" if at else "")
