"""Settings: device, model per kind (unavailable ones disabled with the reason), frames per
video, and the library's folders (add, remove, rescan)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.embed.registry import all_specs, get_spec, locate_weights
from mediabrowser.core.filenames import display
from mediabrowser.core.library import Library, video_following_photos
from mediabrowser.core.types import MediaKind

DEVICES = (("Automatic (GPU when present)", "auto"), ("CPU", "cpu"), ("NVIDIA GPU (CUDA)", "cuda"),
           ("GPU through DirectML (Windows)", "dml"), ("Apple GPU (Core ML / MPS)", "mps"))


def _device_available(device: str) -> tuple[bool, str]:
    if device in ("auto", "cpu"):
        return True, ""
    from mediabrowser.core.embed.device import available_devices

    why = {"cuda": "no CUDA GPU found on this computer",
           "dml": "DirectML needs Windows and onnxruntime-directml",
           "mps": "no Apple GPU on this computer"}[device]
    return device in available_devices(), why


class SettingsDialog(QDialog):
    rescan_requested = Signal(list)
    remove_root_requested = Signal(str)  # the window's writer thread forgets the folder
    models_requested = Signal()

    def __init__(self, lib: Library, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.lib = lib
        self.settings = settings
        self.models_changed = False
        form = QFormLayout()

        self.device = QComboBox()
        current_device = lib.config.device
        for label, value in DEVICES:
            self.device.addItem(label, value)
            ok, why = _device_available(value)
            if not ok:
                self._disable(self.device, self.device.count() - 1, why)
            if value == current_device:
                self.device.setCurrentIndex(self.device.count() - 1)
        form.addRow("Run models on", self.device)

        self.model_boxes: dict[str, QComboBox] = {}
        for kind, title in ((MediaKind.IMAGE, "Photos"), (MediaKind.VIDEO, "Videos"),
                            (MediaKind.AUDIO, "Audio")):
            box = QComboBox()
            for spec in all_specs():
                if spec.modality != kind:
                    continue
                status = locate_weights(spec, lib.models_dir)
                box.addItem(f"{spec.name} — {spec.good_for}", spec.name)
                i = box.count() - 1
                if not status.available:
                    self._disable(box, i, status.reason)
                    box.setItemText(i, f"{spec.name} — weights missing")
                if spec.name == lib.model_for(kind):
                    box.setCurrentIndex(i)
            self.model_boxes[kind.value] = box
            form.addRow(f"{title} model", box)
            if kind == MediaKind.VIDEO:
                # Whether photos and videos can still find each other with these choices.
                self.space_note = QLabel()
                self.space_note.setWordWrap(True)
                self.space_note.setAlignment(Qt.AlignmentFlag.AlignLeft
                                             | Qt.AlignmentFlag.AlignTop)
                form.addRow("", self.space_note)
        self._image_choice = self.model_boxes["image"].currentData()
        self.model_boxes["image"].currentIndexChanged.connect(self._image_model_changed)
        self.model_boxes["video"].currentIndexChanged.connect(self._update_space_note)
        self._update_space_note()

        get_models = QPushButton("Get more models…")
        get_models.setToolTip("Download or import the weights of the models shown as missing")
        get_models.clicked.connect(self._open_models)
        form.addRow("", get_models)

        self.frames = QSpinBox()
        self.frames.setRange(2, 64)
        self.frames.setValue(lib.config.video_frames)
        self.frames.setToolTip("Frames sampled evenly over each video; used for videos "
                               "analysed from now on")
        form.addRow("Frames per video", self.frames)

        folders = QGroupBox("Library folders")
        self.roots = QListWidget()
        # The real paths stay here, in Python: Qt's strings would drop the bytes of a name
        # that is not UTF-8. The list shows their readable form.
        self.root_paths: list[str] = lib.store.roots()
        for r in self.root_paths:
            self.roots.addItem(display(r))
        add = QPushButton("Add…")
        add.clicked.connect(self._add_root)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_root)
        rescan = QPushButton("Rescan all")
        rescan.clicked.connect(lambda: self.rescan_requested.emit(lib.store.roots()))
        buttons = QHBoxLayout()
        for b in (add, remove, rescan):
            buttons.addWidget(b)
        buttons.addStretch(1)
        fl = QVBoxLayout(folders)
        fl.addWidget(self.roots)
        fl.addLayout(buttons)

        note = QLabel(f"Library data: {lib.folder}")
        note.setStyleSheet("color: gray;")
        buttons_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                       | QDialogButtonBox.StandardButton.Cancel)
        buttons_box.accepted.connect(self.accept)
        buttons_box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(folders)
        lay.addWidget(note)
        lay.addWidget(buttons_box)
        self.resize(640, 480)

    def _image_model_changed(self) -> None:
        """Videos whose frames went through the old photo model follow the new one, so that
        photos and videos stay in one space."""
        old, new = self._image_choice, self.model_boxes["image"].currentData()
        self._image_choice = new
        videos = self.model_boxes["video"]
        follow = video_following_photos(str(videos.currentData()), str(old), str(new))
        if follow is not None:
            i = videos.findData(follow)
            model = videos.model()
            assert isinstance(model, QStandardItemModel)
            if i >= 0 and model.item(i).isEnabled():
                videos.setCurrentIndex(i)
        self._update_space_note()

    def _update_space_note(self) -> None:
        image = str(self.model_boxes["image"].currentData())
        video = str(self.model_boxes["video"].currentData())
        if get_spec(video).index_space == get_spec(image).index_space:
            text = f"Photos and videos find each other: video frames go through {image}."
            if video != self.lib.model_for(MediaKind.VIDEO):
                text += " Videos are analysed again in the background after saving."
            self.space_note.setStyleSheet("color: gray;")
        else:
            text = (f"⚠ Photos and videos will not find each other: videos would go through "
                    f"{video} and photos through {image}, whose vectors cannot be compared, so "
                    f"a photo finds no videos and a video no photos. Choose frames:{image} for "
                    "videos to keep them together.")
            self.space_note.setStyleSheet("color: #b36b00;")
        self.space_note.setText(text)

    def _open_models(self) -> None:
        self.models_requested.emit()
        self._refresh_model_boxes()

    def _refresh_model_boxes(self) -> None:
        """Weights may have arrived: enable the models that are ready now."""
        for box in self.model_boxes.values():
            model = box.model()
            assert isinstance(model, QStandardItemModel)
            for i in range(box.count()):
                spec = next(s for s in all_specs() if s.name == box.itemData(i))
                status = locate_weights(spec, self.lib.models_dir)
                item = model.item(i)
                item.setEnabled(status.available)
                item.setToolTip(status.reason)
                suffix = spec.good_for if status.available else "weights missing"
                item.setText(f"{spec.name} — {suffix}")

    @staticmethod
    def _disable(box: QComboBox, row: int, why: str) -> None:
        model = box.model()
        assert isinstance(model, QStandardItemModel)
        item = model.item(row)
        item.setEnabled(False)
        item.setToolTip(why)

    def _add_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.root_paths.append(folder)
            self.roots.addItem(display(folder))
            self.rescan_requested.emit([folder])

    def _remove_root(self) -> None:
        row = self.roots.currentRow()
        if not 0 <= row < len(self.root_paths):
            return
        path = self.root_paths[row]
        answer = QMessageBox.question(
            self, "Remove folder",
            f"Stop including {display(path)} in the library?\n\nIts files stay on disk.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_root_requested.emit(path)
            del self.root_paths[row]
            self.roots.takeItem(row)

    def accept(self) -> None:
        self.lib.config.device = str(self.device.currentData())
        cfg = self.lib.config
        for kind, box in self.model_boxes.items():  # photos first: videos may follow them
            if cfg.models[kind] != box.currentData():
                self.lib.switch_model(kind, box.currentData())
                self.models_changed = True
        cfg.video_frames = self.frames.value()
        self.lib.save_config()
        super().accept()
