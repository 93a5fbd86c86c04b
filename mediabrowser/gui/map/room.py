"""The Map page's room: which maps there are, laying one out or bringing it up to date on the
map thread (a core job with progress and stop), what is under the mouse, and what the
selection does (find similar, show as tiles, export, trash). It follows the library owner's
changes: new or removed items reach the map the next time it is shown."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPoint, QTimer, QUrl
from PySide6.QtGui import QPixmap

from mediabrowser.core.driver import progress_text
from mediabrowser.core.filenames import display_name
from mediabrowser.core.format import count, format_duration, format_size
from mediabrowser.core.jobs.runner import Failure
from mediabrowser.core.layout.saved import SavedMap
from mediabrowser.core.maps.current import MapSpace, current, map_spaces
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import MediaKind
from mediabrowser.gui.grid.thumb_loader import ThumbLoader
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.map.canvas import Label
from mediabrowser.gui.map.page import MapPage
from mediabrowser.gui.map.raster import Prepared
from mediabrowser.gui.map.selection_files import SelectionFiles
from mediabrowser.gui.workers import GeneratorWorker

KIND_NAMES = {"image": "Photos", "video": "Videos", "audio": "Sounds"}
PLAY_AFTER_MS = 250  # a sound plays once the mouse rests on it this long
ROWS_KEPT = 2000
ZOOM_ON_ONE = 6.0  # "Show on Map" of one item: this much closer than the whole map


def space_title(ms: MapSpace) -> str:
    return " and ".join(KIND_NAMES[k] for k in ms.kinds) + f" ({ms.space})"


class MapRoom(QObject):
    def __init__(self, owner: LibraryOwner, page: MapPage, thumbs: ThumbLoader,
                 say: Callable[[str], None],
                 find_similar: Callable[[list[int], str], None],
                 show_items: Callable[[list[int], str], None]) -> None:
        super().__init__(page)
        self.owner = owner
        self.lib = owner.reader  # GUI thread: the rows of what is hovered and selected
        self.page = page
        self.thumbs = thumbs
        self.say = say
        self.find_similar = find_similar
        self.show_items = show_items
        self.spaces: list[MapSpace] = []
        self.map: SavedMap | None = None
        self.worker: GeneratorWorker | None = None
        self.stale = True  # the library changed since the map was shown
        self._rows: OrderedDict[int, FileRow | None] = OrderedDict()
        self._player: Any = None
        self._play_timer = QTimer(self)
        self._play_timer.setSingleShot(True)
        self._play_timer.timeout.connect(self._play_hovered)
        self._hover_row = -1
        self._pending: list[int] | None = None  # "Show on Map" asked before the map was ready
        self._again = False  # a map asked for while another was being made
        self.files = SelectionFiles(owner, page, say, self._selection)
        c = page.canvas
        c.thumb = self._thumb
        c.hovered.connect(self._hovered)
        c.selection_changed.connect(lambda: page.set_selection_count(len(c.selected_rows())))
        c.activated.connect(lambda row: self.find_similar(self._ids([row]), self._name(row)))
        page.space_box.activated.connect(lambda _i: self.load())
        page.recompute_button.clicked.connect(lambda: self.load(recompute=True))
        page.cancel_button.clicked.connect(self.cancel)
        page.similar_button.clicked.connect(self.similar_to_selection)
        page.show_button.clicked.connect(self.show_selection)
        page.clear_button.clicked.connect(lambda: c.set_selected(np.zeros(len(c.xy), bool)))
        thumbs.changed.connect(lambda _fid: c.update())
        owner.changed.connect(self._library_changed)

    # ---- the maps ---------------------------------------------------------------------------
    def shown(self) -> None:
        """The Map page came to the front: list the maps, lay out or update the current one."""
        spaces = map_spaces(self.lib)
        if [s.space for s in spaces] != [s.space for s in self.spaces]:
            self.spaces = spaces
            box = self.page.space_box
            box.clear()
            for ms in spaces:
                box.addItem(space_title(ms), ms.space)
            self.stale = True
        if not spaces:
            self.page.say("Nothing to map yet: add a folder, and once its files are analysed "
                          "they are laid out here by similarity.")
            return
        if self.stale or self.map is None:
            self.load()

    def current_space(self) -> MapSpace | None:
        i = self.page.space_box.currentIndex()
        return self.spaces[i] if 0 <= i < len(self.spaces) else None

    def load(self, recompute: bool = False) -> None:
        ms = self.current_space()
        if ms is None:
            return
        if self.worker is not None:  # asked again while one runs: once it ends
            self._again = True
            return
        lib = self.owner.mapper
        space, kinds = ms.space, ms.kinds

        def job(token: Any) -> Any:
            m = yield from current(lib, space, token, recompute)
            if m is None:
                return None
            wanted = np.isin(m.kinds, kinds)
            if not wanted.all():  # an image model's space also holds the videos' frames
                m.labels, m.file_ids, m.kinds = (m.labels[wanted], m.file_ids[wanted],
                                                 m.kinds[wanted])
                m.xy, m.cluster = m.xy[wanted], m.cluster[wanted]
                sizes = np.bincount(m.cluster[m.cluster >= 0], minlength=len(m.clusters))
                for c in m.clusters:  # the groups count only what this map shows
                    c.size = int(sizes[c.id]) if c.id < len(sizes) else 0
            return m, Prepared(m.xy, m.cluster)  # the heavy part of drawing, made here

        worker = GeneratorWorker(job)
        worker.signals.progress.connect(self._progress)
        worker.signals.finished.connect(self._loaded)
        worker.signals.failed.connect(self._failed)
        self.worker = worker
        self.stale = False
        self.page.set_busy(True)
        self.page.progress.setRange(0, 0)
        self.owner.map_pool.start(worker)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _progress(self, p: Any) -> None:
        if self.owner.closing:
            return
        self.page.progress.setRange(0, max(p.total, 0))
        self.page.progress.setValue(min(p.done, max(p.total, 0)))
        text = progress_text(p)
        self.page.progress.setFormat("%p%")  # the sentence is over the map, or in the tooltip
        self.page.progress.setToolTip(text)
        if self.map is None:
            self.page.say(f"{text}\n\nThe map is laid out once and saved with the library; "
                          "new items are added to it later without starting again.")

    def _loaded(self, got: tuple[SavedMap, Prepared] | None) -> None:
        self.worker = None
        if self.owner.closing:
            return
        self.page.set_busy(False)
        ms = self.current_space()
        if self._again or (got is not None and ms is not None and got[0].space != ms.space):
            # another map was chosen, or the library changed, while this one was made
            self._again = False
            if got is not None:
                self._show(got)
            self.load()
            return
        self._show(got)

    def _show(self, got: tuple[SavedMap, Prepared] | None) -> None:
        if got is None:
            self.page.say("Stopped. The layout resumes where it was: choose Recompute, or "
                          "come back to this page.")
            return
        m, prepared = got
        same = self.map is not None and self.map.space == m.space
        self.map = m
        self._rows.clear()
        labels = [Label(c.id, c.name, c.x, c.y, c.size) for c in m.clusters if c.size > 0]
        self.page.canvas.set_points(prepared, labels=labels, keep_view=same)
        self.page.say("" if len(m) else "This map is empty.")
        groups = count(len(labels), "group")
        self.page.summary.setText(f"{count(len(m), 'item')} · {groups} · "
                                  f"{m.method.get('name', '')}")
        self.page.set_selection_count(0)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            if not self.show_on_map(pending):
                self.say("That item is not on this map (not analysed yet, or another kind)")

    def _failed(self, failure: Failure) -> None:
        self.worker = None
        if self.owner.closing:
            return
        self.page.set_busy(False)
        self.page.say(f"The map could not be made: {failure.message}")

    def _library_changed(self, changes: Changes) -> None:
        if changes.files or changes.vectors or changes.config:
            self.stale = True
            if self.page.isVisible() and not self.owner.closing:
                QTimer.singleShot(0, self, self.shown)

    # ---- rows -------------------------------------------------------------------------------
    def _ids(self, rows: np.ndarray | list[int]) -> list[int]:
        if self.map is None:
            return []
        return [int(self.map.file_ids[r]) for r in rows]

    def _row(self, row: int) -> FileRow | None:
        if self.map is None or not 0 <= row < len(self.map):
            return None
        fid = int(self.map.file_ids[row])
        if fid not in self._rows:
            self._rows[fid] = self.lib.store.file_by_id(fid)
            while len(self._rows) > ROWS_KEPT:
                self._rows.popitem(last=False)
        return self._rows[fid]

    def _name(self, row: int) -> str:
        r = self._row(row)
        return display_name(r.path) if r is not None else ""

    def _thumb(self, row: int) -> QPixmap | None:
        r = self._row(row)
        if r is None:
            return None
        pm = self.thumbs.pixmap(r.id)
        if pm is None and not self.thumbs.failed(r.id):
            self.thumbs.request(r.id, r.hash, r.path, MediaKind(r.kind))
        return pm

    # ---- the mouse --------------------------------------------------------------------------
    def _hovered(self, row: int) -> None:
        self._hover_row = row
        self._stop_sound()
        card = self.page.card
        r = self._row(row) if row >= 0 else None
        if r is None:
            card.hide()
            return
        detail = [r.kind, format_size(r.size)]
        if r.duration:
            detail.append(format_duration(r.duration))
        if r.width:
            detail.append(f"{r.width}×{r.height}")
        if self.map is not None and self.map.cluster[row] >= 0:
            group = int(self.map.cluster[row])
            detail.append(next((cl.name for cl in self.map.clusters if cl.id == group), ""))
        c = self.page.canvas
        px, py = c.to_screen(c.xy[row, 0], c.xy[row, 1])
        card.show_item(display_name(r.path), " · ".join(d for d in detail if d),
                       self._thumb(row), QPoint(int(px), int(py)), self.thumbs.failed(r.id))
        if r.kind == MediaKind.AUDIO.value:
            self._play_timer.start(PLAY_AFTER_MS)

    def _play_hovered(self) -> None:
        r = self._row(self._hover_row)
        if r is None or r.kind != MediaKind.AUDIO.value:
            return
        if self._player is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            self._player = QMediaPlayer(self)
            self._player.setAudioOutput(QAudioOutput(self._player))
        self._player.setSource(QUrl.fromLocalFile(r.path))
        self._player.play()

    def _stop_sound(self) -> None:
        self._play_timer.stop()
        if self._player is not None:
            self._player.stop()

    def playing(self) -> str:
        """The file playing on hover ("" for none: for tests)."""
        if self._player is None or not self._player.source().isValid():
            return ""
        return str(self._player.source().toLocalFile())

    # ---- the selection ----------------------------------------------------------------------
    def _selection(self) -> tuple[SavedMap | None, np.ndarray]:
        return self.map, self.page.canvas.selected_rows()

    def selected_ids(self) -> list[int]:
        return self._ids(self.page.canvas.selected_rows())

    def _label(self, ids: list[int]) -> str:
        if not ids:
            return ""
        first = self.lib.store.file_by_id(ids[0])
        name = display_name(first.path) if first is not None else "?"
        return f"{count(len(ids), 'item')} on the map ({name} and others)" if len(ids) > 1 \
            else name

    def similar_to_selection(self) -> None:
        ids = self.selected_ids()
        if len(ids) > 256:  # the examples' mean: a sample of a big selection says the same
            rng = np.random.default_rng(0)
            ids = [int(i) for i in rng.choice(ids, 256, replace=False)]
        if ids:
            self.find_similar(ids, self._label(self.selected_ids()))

    def show_selection(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.show_items(ids, self._label(ids))

    def show_on_map(self, file_ids: list[int]) -> bool:
        """Select these files on the map and bring them into view (False: none is on it)."""
        if self.map is None or self.worker is not None:
            self._pending = list(file_ids)
            return True
        mask = np.isin(self.map.file_ids, np.asarray(file_ids, np.int64))
        if not mask.any():
            return False
        c = self.page.canvas
        c.set_selected(mask)
        rows = np.flatnonzero(mask)
        if len(rows) == 1:  # one item: centred, close enough to see its neighbours' pictures
            c.fit()
            c.cx, c.cy = float(c.xy[rows[0], 0]), float(c.xy[rows[0], 1])
            c.scale *= ZOOM_ON_ONE
        else:
            c.fit(rows)
        c.update()
        return True

    def link(self, file_ids: list[int]) -> None:
        """Mark what is selected in the grid or the results."""
        if self.map is not None:
            self.page.canvas.set_linked(
                np.flatnonzero(np.isin(self.map.file_ids, np.asarray(file_ids, np.int64))))
