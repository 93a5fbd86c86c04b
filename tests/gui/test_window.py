from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from mediabrowser import mediamaker
from mediabrowser.gui.grid.model import IdRole, RowRole, ScoreRole, ThumbRole
from mediabrowser.gui.main_window import MainWindow
from tests.conftest import textured

LITE0 = "efficientnet-lite0"

INDEX_TIMEOUT = 180_000


def drop(widget: Any, paths: list[Path]) -> None:
    """A drag from a file manager: enter, move, drop (Qt delivers a drop only after an
    accepted enter)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(20, 20), *args)
    assert QApplication.sendEvent(widget, enter) and enter.isAccepted()
    QApplication.sendEvent(widget, QDragMoveEvent(QPoint(22, 22), *args))
    event = QDropEvent(QPointF(22, 22), *args)
    assert QApplication.sendEvent(widget, event) and event.isAccepted()


def names(model: Any) -> list[str]:
    return [Path(model.index(r).data(RowRole).path).name for r in range(model.rowCount())]


def select(window: MainWindow, view: Any, name: str) -> None:
    model = view.model()
    for r in range(model.rowCount()):
        if Path(model.index(r).data(RowRole).path).name == name:
            view.setCurrentIndex(model.index(r))
            return
    raise AssertionError(f"{name} not shown")


def index_by_drop(qtbot: Any, window: MainWindow, folder: Path) -> Any:
    with qtbot.waitSignal(window.indexing.finished, timeout=INDEX_TIMEOUT) as blocker:
        drop(window.grid.viewport(), [folder])
    return blocker.args[0]


def test_empty_library_shows_the_welcome_panel(make_window: Any) -> None:
    w = make_window()
    assert w.center.currentWidget() is w.welcome


def test_drop_folder_then_find_similar_shows_near_duplicates_first(
        qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    w = make_window()
    report = index_by_drop(qtbot, w, photo_dir)
    assert report.embedded == 19
    assert w.center.currentWidget() is w.tabs
    assert len(names(w.library_model)) == 19
    select(w, w.grid, "chelsea.jpg")
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.act_similar.trigger()
    assert w.tabs.currentIndex() == 1
    first = w.results_model.index(0)
    assert Path(first.data(RowRole).path).name == "chelsea_resized.jpg"
    assert first.data(ScoreRole) > 0.85
    assert "chelsea.jpg" not in names(w.results_model)
    scores = [w.results_model.index(r).data(ScoreRole)
              for r in range(w.results_model.rowCount())]
    assert scores == sorted(scores, reverse=True)
    # the threshold hides weak results and says so
    w.threshold.setValue(85)
    assert w.results_model.rowCount() == sum(m.score >= 0.85 for m in w.search.last_matches) >= 1
    assert w.results_model.rowCount() < len(w.search.last_matches)
    assert "hidden" in w.count_label.text()
    # a thumbnail arrives for the tile (made off the GUI thread)
    qtbot.waitUntil(lambda: first.data(ThumbRole) not in (None, ""), timeout=20_000)


def test_preview_gets_the_right_source_for_each_kind(qtbot: Any, make_window: Any,
                                                     photo_dir: Path,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    media = photo_dir / "mixed"
    media.mkdir()
    mediamaker.video_from_photo(photo_dir / "rocket.jpg", media / "launch.mp4", seconds=2)
    mediamaker.speech("Testing the audio preview.", media / "voice.wav")
    w = make_window()
    index_by_drop(qtbot, w, media)
    select(w, w.grid, "launch.mp4")
    assert w.preview.stack.currentWidget() is w.preview.player
    assert w.preview.player.source == QUrl.fromLocalFile(str(media / "launch.mp4"))
    # before it plays: its poster frame, not a black rectangle
    assert w.preview.player.screen_stack.currentWidget() is w.preview.player.poster
    qtbot.waitUntil(lambda: not w.preview.player.poster.pixmap().isNull(), timeout=20_000)
    select(w, w.grid, "voice.wav")
    assert w.preview.player.source == QUrl.fromLocalFile(str(media / "voice.wav"))
    assert w.preview.player.screen_stack.currentWidget() is w.preview.player.waveform
    qtbot.waitUntil(lambda: w.preview.player.waveform.envelope is not None, timeout=20_000)
    w.kind_box.setCurrentIndex(2)  # videos only
    assert names(w.library_model) == ["launch.mp4"]
    # Qt's FFmpeg backend printed each previewed file's streams on stderr ("Input #0, …").
    assert "Input #0" not in capfd.readouterr().err


def test_image_preview_and_metadata(qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir / "copies")
    select(w, w.grid, "rocket_cropped.png")
    qtbot.waitUntil(lambda: w.preview.image.path == str(photo_dir / "copies" /
                                                        "rocket_cropped.png"), timeout=10_000)
    assert "rocket_cropped.png" in w.preview.meta.text() and "×" in w.preview.meta.text()


def test_outside_file_dropped_on_results_is_searched_not_added(
        qtbot: Any, make_window: Any, photo_dir: Path, tmp_path: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    outside = tmp_path / "outside.jpg"
    shutil.copy(photo_dir / "coffee.jpg", outside)
    w.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        drop(w.results.viewport(), [outside])
    assert names(w.results_model)[0] == "coffee.jpg"
    assert w.lib.store.file_by_path(str(outside)) is None
    assert "dropped file" in w.results_title.text()


def test_back_and_forward_between_result_sets(qtbot: Any, make_window: Any,
                                              photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    for name in ("chelsea.jpg", "rocket.jpg"):
        w.tabs.setCurrentIndex(0)
        select(w, w.grid, name)
        with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
            w.act_similar.trigger()
    assert names(w.results_model)[0] == "rocket_cropped.png"
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.act_back.trigger()
    assert names(w.results_model)[0] == "chelsea_resized.jpg"
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.act_forward.trigger()
    assert names(w.results_model)[0] == "rocket_cropped.png"


def test_remove_from_library_keeps_the_file(qtbot: Any, make_window: Any, photo_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir / "copies")
    select(w, w.grid, "coffee_recompressed.jpg")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    w.act_remove.trigger()  # on the writer thread; the grid follows the change
    qtbot.waitUntil(lambda: "coffee_recompressed.jpg" not in names(w.library_model),
                    timeout=10_000)
    assert (photo_dir / "copies" / "coffee_recompressed.jpg").exists()
    report = index_by_drop(qtbot, w, photo_dir / "copies")  # a rescan leaves it out
    assert report.embedded == 0
    assert "coffee_recompressed.jpg" not in names(w.library_model)


def _many_photos(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        textured((i * 7 % 256, 90, 255 - i * 5 % 256), size=(480, 360), seed=i).save(
            folder / f"p{i:03d}.jpg")
    return folder


def _small_batch_library(tmp_path: Path, photos: int) -> tuple[Path, Path]:
    """Media and a library that embeds 4 at a time, so a test can step in mid-run."""
    media = _many_photos(tmp_path / "many", photos)
    lib_dir = tmp_path / "lib"
    lib_dir.mkdir()
    (lib_dir / "config.json").write_text(json.dumps({"batch_size": 4}))
    return media, lib_dir


def test_cancel_mid_indexing_leaves_the_library_consistent(qtbot: Any, make_window: Any,
                                                           tmp_path: Path) -> None:
    from mediabrowser.core.library import Library

    media, lib_dir = _small_batch_library(tmp_path, 48)
    w = make_window(lib_dir)
    progressed: list[Any] = []

    def on_progress(p: Any) -> None:
        if p.stage == "embed" and p.done >= 8 and not progressed:
            progressed.append(p)
            w.cancel_button.click()

    with qtbot.waitSignal(w.indexing.finished, timeout=INDEX_TIMEOUT) as blocker:
        w.indexing.add_paths([str(media)])
        assert w.indexing.worker is not None
        w.indexing.worker.signals.progress.connect(on_progress)
    report = blocker.args[0]
    assert report.cancelled and 8 <= report.embedded < 48
    with Library(lib_dir) as lib:
        assert lib.store.vector_counts()["efficientnet-lite0"] == report.embedded
        idx = lib.indexes.get("efficientnet-lite0")
        assert idx is not None and lib.indexes.live_files(LITE0) == \
            lib.store.space_file_ids(LITE0)


def test_closing_mid_indexing_resumes_at_next_start(qtbot: Any, make_window: Any,
                                                    tmp_path: Path) -> None:
    media, lib_dir = _small_batch_library(tmp_path, 40)
    w = make_window(lib_dir)
    w.indexing.add_paths([str(media)])
    qtbot.waitUntil(lambda: w.progress.value() >= 4 and "Analysing" in w.status_text.text(),
                    timeout=INDEX_TIMEOUT)
    w.close()  # cancels and waits for the worker
    assert w.indexing.worker is not None and w.indexing.worker.done.is_set()
    w2 = make_window(lib_dir)
    with qtbot.waitSignal(w2.indexing.finished, timeout=INDEX_TIMEOUT) as blocker:
        pass
    report = blocker.args[0]
    assert report is not None and not report.cancelled
    assert w2.lib.store.vector_counts()["efficientnet-lite0"] == 40


def test_settings_are_restored(qtbot: Any, make_window: Any) -> None:
    w = make_window()
    w.zoom.setValue(220)
    w.threshold.setValue(75)
    w.shutdown()
    w2 = make_window()
    assert w2.zoom.value() == 220 and w2.threshold.value() == 75
    assert w2.grid.delegate.tile == 220


def test_grid_model_holds_ids_and_fetches_rows_lazily(qtbot: Any, make_window: Any,
                                                      photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir / "copies")
    m = w.library_model
    ids = [m.index(r).data(IdRole) for r in range(m.rowCount())]
    assert all(isinstance(i, int) for i in ids) and m.ids() == ids
    w.name_filter.setText("rocket")
    qtbot.waitUntil(lambda: names(w.library_model) == ["rocket_cropped.png"], timeout=5000)


def test_window_start_loads_no_torch_and_no_multimedia(tmp_path: Path) -> None:
    """Heavy libraries load when first needed, so the window opens fast."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from mediabrowser.gui.main_window import MainWindow\n"
        f"w = MainWindow(Path({str(tmp_path / 'lib')!r}))\n"
        "w.show(); app.processEvents()\n"
        "heavy = [m for m in ('torch', 'open_clip', 'cv2', 'torchaudio',"
        " 'PySide6.QtMultimedia') if m in sys.modules]\n"
        "w.shutdown()\n"
        "print('heavy:', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**__import__("os").environ,
                                           "QT_QPA_PLATFORM": "offscreen"})
    assert "heavy: []" in out.stdout, out.stdout + out.stderr


@pytest.mark.qt_log_ignore("Could not open media")  # the warning this test provokes on purpose
def test_unplayable_media_shows_a_clear_message(qtbot: Any, make_window: Any,
                                                tmp_path: Path) -> None:
    junk = tmp_path / "broken.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x07" * 5000)
    w = make_window()
    w.preview.stack.setCurrentWidget(w.preview.player)
    w.preview.player.set_source(str(junk), "video")
    w.preview.player.toggle()
    qtbot.waitUntil(lambda: "can't be played" in w.preview.player.message.text(),
                    timeout=15_000)
    assert w.preview.player.message.isVisible()


def test_settings_dialog_disables_missing_models_and_switches_model(
        qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    from mediabrowser.gui.dialogs.settings import SettingsDialog

    media = tmp_path / "sounds"
    media.mkdir()
    mediamaker.tone(media / "a.wav", "sine=frequency=300", seconds=1)
    mediamaker.tone(media / "b.wav", "sine=frequency=320", seconds=1)
    w = make_window()
    index_by_drop(qtbot, w, media)
    dlg = SettingsDialog(w.lib, w.settings, w)
    qtbot.addWidget(dlg)
    images = dlg.model_boxes["image"]
    model = images.model()
    names_ = [images.itemData(i) for i in range(images.count())]
    missing = model.item(names_.index("resnet50"))
    assert not missing.isEnabled() and "resnet50-11ad3fa6.pth" in missing.toolTip()
    assert model.item(names_.index("efficientnet-lite0")).isEnabled()
    audio = dlg.model_boxes["audio"]
    audio.setCurrentIndex([audio.itemData(i) for i in range(audio.count())].index("melspec"))
    dlg.accept()
    assert dlg.models_changed and w.lib.config.models["audio"] == "melspec"
    # the new model embeds in the background; the old vectors stay
    with qtbot.waitSignal(w.indexing.finished, timeout=INDEX_TIMEOUT) as blocker:
        w.indexing.add_paths(w.lib.store.roots())
    assert blocker.args[0].embedded == 2
    counts = w.lib.store.vector_counts()
    assert counts["sounds-voices"] == 2 and counts["melspec"] == 2


def test_settings_keep_photos_and_videos_together_or_say_what_is_lost(
        qtbot: Any, make_window: Any) -> None:
    from mediabrowser.gui.dialogs.settings import SettingsDialog

    w = make_window()
    dlg = SettingsDialog(w.lib, w.settings, w)
    qtbot.addWidget(dlg)
    images, videos = dlg.model_boxes["image"], dlg.model_boxes["video"]

    def choose(box: Any, name: str) -> None:
        box.setCurrentIndex([box.itemData(i) for i in range(box.count())].index(name))

    assert "find each other" in dlg.space_note.text() and "⚠" not in dlg.space_note.text()
    choose(images, "efficientnet-lite1")  # the videos follow the photos
    assert videos.currentData() == "frames:efficientnet-lite1"
    assert "analysed again in the background" in dlg.space_note.text()
    choose(videos, "frames:efficientnet-lite0")  # a mismatch is spelt out
    assert "⚠ Photos and videos will not find each other" in dlg.space_note.text()
    assert "frames:efficientnet-lite1" in dlg.space_note.text()
    choose(videos, "frames:efficientnet-lite1")
    dlg.accept()
    assert w.lib.config.models["image"] == "efficientnet-lite1"
    assert w.lib.config.models["video"] == "frames:efficientnet-lite1"


def test_copy_path_puts_the_path_on_the_clipboard(qtbot: Any, make_window: Any,
                                                  photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir / "copies")
    select(w, w.grid, "rocket_cropped.png")
    w.act_copy.trigger()
    assert QApplication.clipboard().text() == str(photo_dir / "copies" / "rocket_cropped.png")


def test_text_search_box_is_off_with_the_reason_without_clip(make_window: Any) -> None:
    w = make_window()
    assert not w.text_search.isEnabled()
    assert "needs a CLIP image model" in w.text_search.toolTip()


def test_models_dialog_downloads_with_consent_and_imports(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import hashlib

    import torch
    from torchvision.models import resnet18

    from mediabrowser.core.embed import manager
    from mediabrowser.core.embed.registry import forget_loaded
    from mediabrowser.gui.dialogs.models import ModelsDialog
    from tests.core.test_model_manager import WeightsServer

    weights = tmp_path / "r18.pth"
    torch.save(resnet18().state_dict(), weights)
    server = WeightsServer(weights.read_bytes())
    models = tmp_path / "models"
    dlg = ModelsDialog(models)
    qtbot.addWidget(dlg)
    try:
        dlg.select("resnet18")
        spec = dlg.selected()
        assert spec is not None and dlg.download_button.isEnabled()
        # Point the entry at the local server, with the checksum of what it serves.
        digest = hashlib.sha256(server.payload).hexdigest()
        local = dataclasses.replace(spec, weights=dataclasses.replace(
            spec.weights, url=server.url, sha256=digest, sha256_prefix="", size=0))
        dlg.specs[dlg.specs.index(spec)] = local
        asked: list[str] = []

        def answer(*args: Any, **kw: Any) -> Any:
            asked.append(args[2])
            return QMessageBox.StandardButton.Yes

        monkeypatch.setattr(QMessageBox, "question", answer)
        with qtbot.waitSignal(dlg.changed, timeout=60_000):
            dlg.download_selected()
        assert "resnet18" in asked[0] and server.url in asked[0]
        assert manager.status(local, models).state == manager.ModelState.READY
        assert dlg.table.item(dlg.specs.index(local), 3).text() == "ready"
        # offline route: importing a file of the wrong architecture is refused in words
        forget_loaded()
        manager.remove_weights(local, models)
        dlg.refresh()
        from torchvision.models import resnet34

        wrong = tmp_path / "r34.pth"
        torch.save(resnet34().state_dict(), wrong)
        assert not dlg.import_file(local, wrong, check_checksum=False)
        assert "does not match" in dlg.message.text()
        assert dlg.import_file(local, weights, check_checksum=False)
    finally:
        dlg.done(0)
        server.close()
        forget_loaded()


def test_text_search_box_describes_sounds_with_a_clap_sound_model(make_window: Any,
                                                                  tmp_path: Path) -> None:
    from mediabrowser.core.library import Library

    lib = Library(tmp_path / "clap-lib")
    lib.switch_model("audio", "clap-general")
    lib.close()
    w = make_window(tmp_path / "clap-lib")
    assert w.text_search.isEnabled()
    assert w.text_search.placeholderText() == "Describe a sound…"
    assert "CLAP" in w.text_search.toolTip()
