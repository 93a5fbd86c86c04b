"""Video embedders: frames pooled through an image model, and torchvision's R3D-18 3D CNN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.asked import AskedFiles
from mediabrowser.core.embed.base import ModelSpec, Moment, l2_normalise, unit_rows
from mediabrowser.core.embed.image_models import (
    TURNS,
    ImageEmbedder,
    build_torchvision,
    resolve_weights_enum,
)
from mediabrowser.core.embed.preprocess import stack
from mediabrowser.core.embed.video_moments import (
    TimedFramesInput,
    VideoSample,
    moments_of,
    sample_video,
)
from mediabrowser.core.media.decode import video_frames

FRAME_BATCH = 32  # frames per forward pass: bounds memory for a long video's 120 frames
QUERY_SECONDS = 30.0  # a query video as one moment: its first half minute
QUERY_FRAMES = 60  # frames of a query clip that are aligned with the library's moments


class FramePoolEmbedder:
    """Frames sampled about once a second (at least `frames` of them, spread over the whole
    video), embedded by an image model: their mean is the video's vector, and short runs of
    them inside each shot are its moments (video_moments.py).

    Frame vectors are normalised before pooling so every frame weighs the same; the vectors
    live in the image model's space, so videos and photos can match each other, and a photo
    finds the moment of a video it appears in.
    """

    def __init__(self, spec: ModelSpec, image: ImageEmbedder, frames: int) -> None:
        self.spec = spec
        self.image = image
        self.frames = frames
        self._asked: AskedFiles[tuple[np.ndarray, np.ndarray]] = AskedFiles(16)

    @property
    def engine(self) -> str:
        return self.image.engine

    def _transform(self) -> Any:
        photo = self.image.file_input()
        return photo.transform if photo is not None else self.image.prepare_image

    def prepare(self, path: str | Path) -> VideoSample:
        return sample_video(str(path), self._transform(), self.frames)

    def file_input(self) -> TimedFramesInput | None:
        """`prepare` as a picklable object, for the decode workers."""
        photo = self.image.file_input()
        return TimedFramesInput(photo.transform, self.frames) if photo is not None else None

    def _frame_vectors(self, prepared: list[VideoSample]) -> list[np.ndarray]:
        counts = [len(p.times) for p in prepared]
        batch = np.concatenate([p.frames for p in prepared])
        feats = l2_normalise(np.concatenate([
            self.image.forward_tensors(batch[i:i + FRAME_BATCH])
            for i in range(0, len(batch), FRAME_BATCH)]))
        ends = np.cumsum(counts)
        return [feats[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]

    def embed(self, prepared: list[Any]) -> np.ndarray:
        return self.embed_with_moments(prepared, moments=False)[0]

    def embed_with_moments(self, prepared: list[Any], moments: bool = True
                           ) -> tuple[np.ndarray, list[list[Moment]]]:
        if not prepared:
            return np.zeros((0, self.spec.dim), np.float32), []
        per_video = self._frame_vectors(prepared)
        whole = l2_normalise(np.stack([v.mean(axis=0) for v in per_video]))
        found = [moments_of(p, v) if moments else []
                 for p, v in zip(prepared, per_video, strict=True)]
        return whole, found

    def moment_query(self, path: str | Path) -> np.ndarray:
        """The video (its first QUERY_SECONDS) as one moment: the mean of its frames."""
        times, vectors = self.timeline(path)
        keep = vectors[times < QUERY_SECONDS] if (times < QUERY_SECONDS).any() else vectors
        return l2_normalise(keep.mean(axis=0, keepdims=True))[0]

    def timeline(self, path: str | Path) -> tuple[np.ndarray, np.ndarray]:
        """(times, unit frame vectors) of a query video, about one a second; kept for the file
        as it is."""
        return self._asked.get(path, lambda: self._timeline(path))

    def _timeline(self, path: str | Path) -> tuple[np.ndarray, np.ndarray]:
        sample = sample_video(str(path), self._transform(), 2, most=QUERY_FRAMES)
        return sample.times, self._frame_vectors([sample])[0]

    def embed_turned(self, path: str | Path) -> np.ndarray:
        """(4, dim): the video turned by 90°, 180°, 270° and mirrored, frames pooled. (Only
        the turns a phone or a front camera makes: each costs a forward per frame.)"""
        imgs = video_frames(path, self.frames)
        turned = [stack([self.image.prepare_image(im.transpose(t)) for im in imgs])
                  for t in TURNS[:4]]
        return l2_normalise(np.stack([
            l2_normalise(self.image.forward_tensors(x)).mean(axis=0) for x in turned]))


def frames(spec: ModelSpec, weights: Path | None, device: str,
           models_dir: Path | None = None) -> FramePoolEmbedder:
    from mediabrowser.core.embed.registry import load_embedder

    image = load_embedder(spec.options["image_model"], device, models_dir)
    assert isinstance(image, ImageEmbedder)
    return FramePoolEmbedder(spec, image, int(spec.options.get("frames", 8)))


class ClipVideoEmbedder:
    """A torchvision video classifier without its head, averaged over clips spread in time."""

    def __init__(self, spec: ModelSpec, model: Any, device: str, resize: int,
                 mean: Any, std: Any) -> None:
        self.spec = spec
        from mediabrowser.core.embed.engine import torch_device

        self.device = torch_device(device)
        self.model = model.eval().to(self.device)
        self.clips = int(spec.options.get("clips", 4))
        self.clip_len = int(spec.options.get("clip_len", 16))
        self.size = spec.input_size or 112
        self.resize = resize
        self.mean, self.std = tuple(mean), tuple(std)

    def prepare(self, path: str | Path) -> Any:
        """(clips, 3, T, 112, 112): clips of consecutive frames sampled evenly over time."""
        import torch
        import torch.nn.functional as F

        # Sample clips*clip_len frames in groups; consecutive-ish frames within a group.
        imgs = video_frames(path, self.clips * self.clip_len, max_side=2 * self.resize)
        x = torch.stack([torch.from_numpy(np.asarray(im, dtype=np.float32)) for im in imgs])
        x = x.permute(0, 3, 1, 2) / 255.0  # (N, 3, H, W)
        h, w = x.shape[-2:]
        scale = self.resize / min(h, w)
        x = F.interpolate(x, size=(max(self.resize, round(h * scale)),
                                   max(self.resize, round(w * scale))),
                          mode="bilinear", align_corners=False)
        top = (x.shape[-2] - self.size) // 2
        left = (x.shape[-1] - self.size) // 2
        x = x[..., top:top + self.size, left:left + self.size]
        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        x = (x - mean) / std
        n = x.shape[0] // self.clip_len
        if n == 0:  # very short video: repeat frames to fill one clip
            reps = -(-self.clip_len // x.shape[0])
            x = x.repeat(reps, 1, 1, 1)[: self.clip_len]
            n = 1
        x = x[: n * self.clip_len].view(n, self.clip_len, 3, self.size, self.size)
        return x.permute(0, 2, 1, 3, 4).contiguous()

    def embed(self, prepared: list[Any]) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for clips in prepared:
                feats = self.model(clips.to(self.device)).float().cpu().numpy()
                out.append(l2_normalise(feats).mean(axis=0))
        return unit_rows(out, self.spec.dim)


def torchvision_video(spec: ModelSpec, weights: Path | None, device: str,
                      models_dir: Path | None = None) -> ClipVideoEmbedder:
    """R3D-18, R(2+1)D-18, MC3-18, S3D, MViT-V2-S or Swin3D-T without the Kinetics head."""
    assert weights is not None
    model = build_torchvision(spec, weights)
    t = resolve_weights_enum(spec.options["weights_enum"]).transforms()
    return ClipVideoEmbedder(spec, model, device, int(t.resize_size[0]), t.mean, t.std)
