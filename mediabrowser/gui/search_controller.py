"""The window's search room: "Find Similar" for an item, a dropped file or a description, the
history of result sets (Back / Forward, with the library as the page before the first), the one
search thread, refreshes while indexing and after changes, the threshold, filters and "Load
more"."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit

from mediabrowser.core.dupes.collapsed import Shown, collapse_copies
from mediabrowser.core.examples import Example
from mediabrowser.core.filenames import display_name
from mediabrowser.core.filters import Filters
from mediabrowser.core.format import count
from mediabrowser.core.tiers import tier
from mediabrowser.core.types import Match, Progress
from mediabrowser.gui.browse_filters import BrowseFilters
from mediabrowser.gui.grid.model import IdRole, ItemsModel
from mediabrowser.gui.grid.view import GridView, current_id
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.pages import Page, PageTabs
from mediabrowser.gui.query import Query, library_choices, set_text_search
from mediabrowser.gui.results_page import ResultsPage
from mediabrowser.gui.workers import call_later

RESULTS_K = 200  # results asked for at a time; "Load more" asks for as many again
REFRESH_SECONDS = 4.5  # how often results are asked again while indexing embeds


class SearchRoom(QObject):
    """Searching and result sets. `say` puts a sentence in the status bar."""

    results_ready = Signal()  # a result set (or why there is none) is on the Similar page

    def __init__(self, owner: LibraryOwner, page: ResultsPage, tabs: PageTabs,
                 filters: BrowseFilters, text_search: QLineEdit, back: QAction,
                 forward: QAction, less: QAction, more: QAction, say: Callable[[str], None],
                 status: Callable[[], str]) -> None:
        super().__init__(page)
        self.owner = owner
        self.lib = owner.reader  # GUI thread: the rows of a selection
        self.search_lib = owner.searcher  # used only on the one search thread
        self.page = page
        self.results: GridView = page.view
        self.results_model: ItemsModel = page.model
        self.tabs = tabs
        self.filters = filters
        self.text_search = text_search
        self.act_back = back
        self.act_forward = forward
        self.say = say
        self.status = status
        self.history: list[Query] = []
        self.history_pos = -1
        self.results_k = RESULTS_K  # how many results the current search asks for
        self.last_matches: list[Match] = []
        self._last_refresh = 0.0
        self.bar = page.query_bar
        self.act_less, self.act_more = less, more
        for a, negative in ((less, True), (more, False)):
            a.setEnabled(False)
            a.triggered.connect(lambda _c=False, n=negative: self.less_like_selected(n))
        self.bar.examples_changed.connect(self._examples_changed)
        self.bar.filters_changed.connect(lambda _f: self.rerun_query())
        self._choices_asked = False
        self.bar.filter_menu.aboutToShow.connect(self._ask_choices)
        page.view.files_dropped.connect(self.query_outside_files)
        page.threshold.valueChanged.connect(lambda _v: self.apply_threshold())
        page.collapse.toggled.connect(lambda _on: self.apply_threshold(keep_position=True))
        page.more_button.clicked.connect(self.load_more)
        text_search.returnPressed.connect(self.search_by_text)
        filters.kind_changed.connect(lambda: self.rerun_query(keep_position=True))
        filters.name_changed.connect(lambda: self.apply_threshold(keep_position=True))
        tabs.page_changed.connect(lambda _p: self._update_history_actions())
        owner.changed.connect(self._library_changed)

    def _library_changed(self, changes: Changes) -> None:
        if self.owner.closing:
            return
        if changes.files or changes.vectors or changes.config:
            self.rerun_query(keep_position=True)
        if changes.vectors or changes.config:
            self.update_text_search()  # a new CLIP model answers once it covers the photos

    def indexing_progressed(self, p: Progress) -> None:
        """Results take in newly embedded items while a run goes on, now and then."""
        now = time.monotonic()
        if p.stage == "embed" and now - self._last_refresh > REFRESH_SECONDS:
            self._last_refresh = now
            self.rerun_query(keep_position=True)

    def open_indexes(self) -> None:
        """Ready the search indexes on the search thread as the window opens: small saved ones
        load, missing ones rebuild (in the background when large); see IndexManager.prepare."""
        call_later(self.owner.search_pool, lambda: self.owner.search("prepare"),
                   self._index_building, lambda _e: None)

    def _index_building(self, building: bool) -> None:
        if self.owner.closing:
            return
        if building:
            self.say("Rebuilding the search index in the background; searches "
                     "answer exactly, a little slower, until it is ready.")
            QTimer.singleShot(2000, self, lambda: call_later(
                self.owner.search_pool, lambda: self.owner.search("building"),
                self._index_building, lambda _e: None))
        elif self.status().startswith("Rebuilding the search index"):
            call_later(self.owner.search_pool, lambda: self.owner.search("failure"),
                       self._index_ready, lambda _e: None)

    def _index_ready(self, failure: str | None) -> None:
        if self.owner.closing:
            return
        self.say(f"{failure[0].upper()}{failure[1:]}; searches stay exact (slower)."
                 if failure else "The search index is ready.")

    def find_similar(self, view: GridView | None) -> None:
        """Items like the view's selected one; with several selected, one result set like all
        of them."""
        if view is None:
            return
        selected = [i.data(IdRole) for i in view.selectionModel().selectedIndexes()]
        if len(selected) > 1:
            rows = self.lib.store.files_by_ids(selected)
            ids = [i for i in selected if i in rows]
            first = display_name(rows[ids[0]].path)
            label = f"{len(ids)} items ({first} and {len(ids) - 1} more)"
            self.run_query(Query(rows[ids[0]].path, label, examples=ids))
            return
        idx = view.currentIndex()
        if not idx.isValid():
            return
        model = view.model()
        assert isinstance(model, ItemsModel)
        row = model.file_row(idx.data(IdRole))
        if row is None:
            return
        self.run_query(Query(row.path, display_name(row.path), row.id))

    def update_text_search(self) -> None:
        """Words find photos and videos with a CLIP image model and sounds with a CLAP sound
        model; without either the box says why it is off."""
        set_text_search(self.lib, self.text_search)

    def show_items(self, ids: list[int], label: str, collection: str | None = None) -> None:
        """These library items as tiles on the Similar page (a selection on the map, a
        collection)."""
        if ids:
            self.run_query(Query("", label, members=list(ids), collection=collection))

    def current_query(self) -> Query | None:
        return self.history[self.history_pos] if self.history_pos >= 0 else None

    def shown_matches(self) -> list[Match]:
        """The results on the Similar page, in their order (those the threshold keeps)."""
        pos = {m.item.id: m for m in self.last_matches}
        return [pos[i] for i in self.results_model.ids() if i in pos]

    def selected_result_ids(self) -> list[int]:
        return [i.data(IdRole) for i in self.results.selectionModel().selectedIndexes()]

    def similar_to_items(self, ids: list[int], label: str) -> None:
        """Items like these library items (one: like it; several: like all of them)."""
        rows = self.lib.store.files_by_ids(ids[:1])
        if not ids or ids[0] not in rows:
            return
        first = rows[ids[0]]
        self.run_query(Query(first.path, label, first.id) if len(ids) == 1 else
                       Query(first.path, label, examples=list(ids)))

    def search_by_text(self) -> None:
        text = self.text_search.text().strip()
        if text:
            self.run_query(Query("", f"“{text}”", text=text))

    def query_outside_files(self, paths: list[str]) -> None:
        files = [p for p in paths if Path(p).is_file()]
        if files:
            self.run_query(Query(files[0], f"{display_name(files[0])} (dropped file)"))

    def _ask_choices(self) -> None:
        """The cameras and file types the library holds, for the filter menu: read once on
        the search thread (a million items take seconds), in the menu from then on."""
        if self._choices_asked:
            return
        self._choices_asked = True
        lib = self.search_lib
        call_later(self.owner.search_pool, lambda: library_choices(lib),
                   lambda got: self.bar.filter_menu.set_choices(*got),
                   lambda _e: setattr(self, "_choices_asked", False))

    def _examples_changed(self, examples: list[Example]) -> None:
        names = self.bar.names
        labels = [names.get(e.file, e.label()) if isinstance(e.file, int) else e.label()
                  for e in examples if not e.negative]
        label = labels[0] if len(labels) == 1 else f"{len(labels)} examples"
        less = sum(e.negative for e in examples)
        self.run_query(Query("", label + (f", less like {less}" if less else ""),
                             parts=examples))

    def less_like_selected(self, negative: bool = True) -> None:
        """The selected results become "less like this" (or, `negative` False, "more like
        this") examples of the query shown."""
        if self.history_pos < 0:
            return
        examples = self.history[self.history_pos].as_examples()
        ids = [i.data(IdRole) for i in self.results.selectionModel().selectedIndexes()]
        new = [Example(file=i, negative=negative) for i in ids
               if not any(e.file == i for e in examples)]
        if examples and new:
            self._examples_changed([*examples, *new])

    def run_query(self, query: Query) -> None:
        self.results_k = RESULTS_K
        del self.history[self.history_pos + 1:]
        self.history.append(query)
        self.history_pos = len(self.history) - 1
        self._update_history_actions()
        self.rerun_query()

    def rerun_query(self, keep_position: bool = False) -> None:
        if self.history_pos < 0:
            return
        query = self.history[self.history_pos]
        kind = self.filters.kind()
        k = self.results_k
        flt: Filters | None = self.bar.filters or None
        examples = query.as_examples()
        rows = self.lib.store.files_by_ids([e.file for e in examples if isinstance(e.file, int)])
        self.bar.show_query(examples, bool(self.text_search.isEnabled()),
                            {i: display_name(r.path) for i, r in rows.items()},
                            filtering=query.members is None)
        self.act_less.setEnabled(query.members is None)
        self.act_more.setEnabled(query.members is None)
        if not keep_position:  # a search the user asked for; background refreshes stay quiet
            self.tabs.show_page(Page.SIMILAR)
            verb = "matching" if query.text is not None else "similar to"
            self.page.title.setText(f"Looking for items {verb} <b>{query.label}</b>…")
        if query.members is not None:  # a set of items, not a search: shown at once
            rows = self.lib.store.files_by_ids(query.members)
            self._results(query, [Match(rows[i].item(), 1.0) for i in query.members
                                  if i in rows and rows[i].status == "ok"], keep_position)
            return

        def search() -> list[Match]:
            search = self.owner.search  # in the search process on a large library
            if query.parts is not None or query.examples:
                found = search("find_like", query.as_examples(), k=k, kind=kind, filters=flt)
            elif query.text is not None:
                found = search("search_text", query.text, k=k, kind=kind, filters=flt)
            else:
                found = search("find_similar",
                               query.file_id if query.file_id is not None else query.path,
                               k=k, kind=kind, filters=flt)
            return list(found)

        def done(matches: list[Match]) -> None:
            self._results(query, matches, keep_position)

        def failed(reason: str) -> None:
            self._results_failed(query, reason)

        call_later(self.owner.search_pool, search, done, failed)

    def _results(self, query: Query, matches: list[Match], keep_position: bool) -> None:
        if self.owner.closing:
            return
        if self.history_pos < 0 or self.history[self.history_pos] is not query:
            return  # an older search finished after a newer one was asked for
        self.last_matches = matches
        verb = "Matching" if query.text is not None else "Collection" if query.collection \
            else "Selected:" if query.members is not None else "Similar to"
        self.page.title.setText(f"{verb} <b>{query.label}</b>")
        self.apply_threshold(keep_position=keep_position)
        self.results_ready.emit()

    def _results_failed(self, query: Query, reason: str) -> None:
        if self.owner.closing:
            return
        if self.history_pos >= 0 and self.history[self.history_pos] is query:
            self.last_matches = []
            self.results_model.set_items([], [])
            self.page.title.setText(f"Can't search by <b>{query.label}</b>: {reason}")
            self.page.count_label.setText("")
            self.results_ready.emit()

    def load_more(self) -> None:
        self.results_k += RESULTS_K
        self.rerun_query(keep_position=True)

    def apply_threshold(self, keep_position: bool = False) -> None:
        t = self.page.threshold.value() / 100
        word = tier(t)
        self.page.threshold_label.setText(f"score ≥ {t:.2f}" + (f" {word}" if word else ""))
        needle = self.filters.name().strip().lower()
        named = [m for m in self.last_matches
                 if not needle or needle in display_name(m.item.path).lower()]
        listing = self.history_pos >= 0 and self.history[self.history_pos].members is not None
        above = named if listing else [m for m in named if m.score >= t]
        current = current_id(self.results)
        shown = collapse_copies(self.lib, above) if self.page.collapse.isChecked() \
            and not listing else [Shown(m) for m in above]
        kept = [x.match for x in shown]
        self.results_model.forget_rows([m.item.id for m in kept])
        self.results_model.set_items(
            [m.item.id for m in kept], None if listing else [m.score for m in kept],
            [(m.start, m.end) if m.start is not None and m.end is not None else None
             for m in kept], [list(m.spans) for m in kept],
            [[display_name(c.item.path) for c in x.copies] for x in shown])
        hidden = len(named) - len(above)
        folded = len(above) - len(kept)
        more = not listing and len(self.last_matches) >= self.results_k  # stopped at k
        notes = [f"{hidden} below {t:.2f} hidden"] if hidden else []
        if folded:
            notes.append(f"{folded} cop{'y' if folded == 1 else 'ies'} folded")
        if needle and len(named) < len(self.last_matches):
            notes.append(f"{len(self.last_matches) - len(named)} not matching “{needle}”")
        if more and kept:
            notes.append(f"the {len(self.last_matches)} most similar shown")
        self.page.count_label.setText(count(len(kept), "item" if listing else "result")
                                 + (f" ({'; '.join(notes)})" if notes else ""))
        self.page.more_button.setVisible(more and not hidden)
        if kept or (not self.last_matches and not self.bar.filters):
            self.results.set_empty_text("")
        elif not self.last_matches:  # the filters keep nothing: say which
            self.results.set_empty_text("No item matches the filters (" + ", ".join(
                self.bar.filters.describe()) + "). Remove one to see more.")
        elif needle and not named:  # the name filter hides every result: say so
            self.results.set_empty_text(
                f"None of the {len(self.last_matches)} most similar has “{needle}” in its "
                "name. Clear the name filter to see them.")
        else:
            self.results.set_empty_text(f"Every result scores below {t:.2f}: lower the "
                                        "threshold to see them.")
        if keep_position and current is not None:
            row = self.results_model.row_of(current)
            if row is not None:
                self.results.setCurrentIndex(self.results_model.index(row))

    def go_back(self) -> None:
        if not self._browsing():
            return
        if self.tabs.page() is Page.SIMILAR and self.history_pos <= 0:
            self.tabs.show_page(Page.LIBRARY)  # Esc from the first result set: back to the library
            return
        if self.history_pos > 0:
            self.history_pos -= 1
            self._update_history_actions()
            self.rerun_query()

    def go_forward(self) -> None:
        """Like a browser's: from the library (the page before the first result set) to the
        result set it was left at, then on through the later ones."""
        if not self._browsing():
            return
        if self.tabs.page() is Page.LIBRARY and self.history_pos >= 0:
            self.rerun_query()
            self._update_history_actions()
            return
        if self.history_pos < len(self.history) - 1:
            self.history_pos += 1
            self._update_history_actions()
            self.rerun_query()

    def _browsing(self) -> bool:
        """Back and Forward move through result sets from the Library and Similar pages only:
        on Duplicates or the Map, Esc must not jump to an old result set."""
        return self.tabs.page() in (Page.LIBRARY, Page.SIMILAR)

    def _update_history_actions(self) -> None:
        on_library = self.tabs.page() is Page.LIBRARY
        browsing = self._browsing()
        self.act_back.setEnabled(browsing and (self.history_pos > 0 or not on_library))
        self.act_forward.setEnabled(browsing and (self.history_pos < len(self.history) - 1
                                                  or (on_library and self.history_pos >= 0)))
