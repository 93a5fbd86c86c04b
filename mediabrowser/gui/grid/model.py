"""The grid's model: a list of file ids (and scores for results); row details fetched in pages
from the store when a tile first asks, thumbnails from the loader."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from mediabrowser.core.filenames import display, display_name
from mediabrowser.core.format import format_duration, format_score
from mediabrowser.core.store.repo import FileRow, Store
from mediabrowser.core.types import MediaKind
from mediabrowser.gui.grid.thumb_loader import ThumbKey, ThumbLoader

IdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2  # the FileRow
ScoreRole = Qt.ItemDataRole.UserRole + 3
ThumbRole = Qt.ItemDataRole.UserRole + 4  # QPixmap or None (still coming) or "" (failed)
MomentRole = Qt.ItemDataRole.UserRole + 5  # (start, end) of the part that matched, or None
SpansRole = Qt.ItemDataRole.UserRole + 6  # every part that matches about as well: [(start, end)]
CopiesRole = Qt.ItemDataRole.UserRole + 7  # how many copies this result tile stands for

PAGE = 256
ROW_CACHE = 20_000

_Index = QModelIndex | QPersistentModelIndex


class ItemsModel(QAbstractListModel):
    def __init__(self, store: Store, thumbs: ThumbLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.thumbs = thumbs
        self._ids: list[int] = []
        self._scores: list[float] | None = None
        self._moments: list[tuple[float, float] | None] | None = None
        self._spans: list[list[tuple[float, float]]] | None = None
        self._copies: list[list[str]] | None = None  # names of the copies a tile folds in
        self._pos: dict[int, int] = {}
        self._rows: OrderedDict[int, FileRow] = OrderedDict()
        thumbs.changed.connect(self._thumb_changed)

    # ---- contents ---------------------------------------------------------------------------
    def set_items(self, ids: list[int], scores: list[float] | None = None,
                  moments: list[tuple[float, float] | None] | None = None,
                  spans: list[list[tuple[float, float]]] | None = None,
                  copies: list[list[str]] | None = None) -> None:
        """Show these files (with their scores, the moment of each that matched, every part
        of it that matches about as well, and the names of copies each tile stands for)."""
        self.beginResetModel()
        self._copies = list(copies) if copies is not None else None
        self._ids = list(ids)
        self._scores = list(scores) if scores is not None else None
        self._moments = list(moments) if moments is not None else None
        self._spans = list(spans) if spans is not None else None
        self._pos = {fid: i for i, fid in enumerate(self._ids)}
        self.endResetModel()

    def forget_rows(self, ids: list[int] | None = None) -> None:
        """Drop cached details (after a rescan changed them)."""
        if ids is None:
            self._rows.clear()
        else:
            for fid in ids:
                self._rows.pop(fid, None)

    def ids(self) -> list[int]:
        return list(self._ids)

    def id_at(self, row: int) -> int:
        fid = self._id_at(row)
        assert fid is not None
        return fid

    def _id_at(self, row: int) -> int | None:
        """The id shown at `row`; None for a row not read yet (the listing's far rows)."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def _ids_around(self, row: int, n: int) -> list[int]:
        """The ids of the rows near `row` (whose details are read together)."""
        start = max(0, row - n // 2)
        return self._ids[start:start + n]

    def row_of(self, file_id: int) -> int | None:
        return self._pos.get(file_id)

    def file_row(self, file_id: int) -> FileRow | None:
        row = self._rows.get(file_id)
        if row is None:
            self._fetch_page_around(file_id)
            row = self._rows.get(file_id)
        return row

    def _fetch_page_around(self, file_id: int) -> None:
        at = self._pos.get(file_id, 0)
        want = [fid for fid in self._ids_around(at, PAGE) if fid not in self._rows]
        if file_id not in want:
            want.append(file_id)
        for fid, r in self.store.files_by_ids(want).items():
            self._rows[fid] = r
        while len(self._rows) > ROW_CACHE:
            self._rows.popitem(last=False)

    # ---- Qt model API -----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count()

    def _count(self) -> int:
        return len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        fid = self._id_at(index.row())
        if fid is None:
            return None
        if role == IdRole:
            return fid
        if role == ScoreRole:
            return self._scores[index.row()] if self._scores is not None else None
        if role == MomentRole:
            return self._moments[index.row()] if self._moments is not None else None
        if role == SpansRole:
            return self._spans[index.row()] if self._spans is not None else []
        if role == CopiesRole:
            return len(self._copies[index.row()]) if self._copies is not None else 0
        row = self.file_row(fid)
        if row is None:
            return None
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return display_name(row.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = display(row.path)
            if self._scores is not None:
                score = self._scores[index.row()]
                tip += f"\nscore {format_score(score, tile=False)}"
                moment = self._moments[index.row()] if self._moments is not None else None
                if moment is not None:
                    tip += (f"\nthe part from {format_duration(moment[0])} to "
                            f"{format_duration(moment[1])} matched")
            folded = self._copies[index.row()] if self._copies is not None else []
            if folded:
                tip += f"\nalso stands for {len(folded)} cop{'y' if len(folded) == 1 else 'ies'}" \
                       ": " + ", ".join(folded[:5]) + (" …" if len(folded) > 5 else "")
            if row.status == "error":
                tip += f"\n⚠ {row.error}"
            elif row.status == "offline":
                tip += "\n⏏ offline: its folder is not found (a drive unplugged?); it comes " \
                       "back when the folder does"
            return tip
        if role == ThumbRole:
            if (row.status == "error" or (row.status == "offline" and row.error)
                    or self.thumbs.failed(fid)):
                return ""
            key: ThumbKey = fid
            moment = self._moments[index.row()] if self._moments is not None else None
            if moment is not None and row.kind == MediaKind.VIDEO.value:
                # a moment of a video: its frame there (the poster when that cannot be had)
                at = (moment[0] + moment[1]) / 2
                key = (fid, round(at, 1))
                if self.thumbs.failed(key):
                    key = fid
            pm = self.thumbs.pixmap(key)
            if pm is None:
                self.thumbs.request(key, row.hash, row.path, MediaKind(row.kind))
            return pm
        return None

    def _thumb_changed(self, file_id: int) -> None:
        row = self._pos.get(file_id)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ThumbRole])
