"""Names for a map's clusters: words from the space's text tower (CLIP for pictures, CLAP for
sounds) when the library has one, else the folder or name words the members share."""

from __future__ import annotations

import logging

import numpy as np

from mediabrowser.core.embed.base import EmbedsText
from mediabrowser.core.embed.registry import all_specs
from mediabrowser.core.layout import names
from mediabrowser.core.layout.saved import Cluster, SavedMap
from mediabrowser.core.library import Library

log = logging.getLogger(__name__)
PER_CLUSTER = 64  # members read to name a cluster


def _members(m: SavedMap, c: int, rng: np.random.Generator) -> np.ndarray:
    rows = np.flatnonzero(m.cluster == c)
    return rows if len(rows) <= PER_CLUSTER else rng.choice(rows, PER_CLUSTER, replace=False)


def _by_words(lib: Library, m: SavedMap, samples: list[np.ndarray]) -> list[str] | None:
    """Each cluster's word: the vocabulary word whose sentence scores highest against the
    mean of the cluster's vectors, relative to how it scores against the other clusters (so
    "a photo of text" does not name every cluster of a scanned archive)."""
    spec = next((s for s in all_specs() if s.index_space == m.space and s.text), None)
    if spec is None:
        return None
    try:
        embedder = lib.embedder(spec.name)
        if not isinstance(embedder, EmbedsText):
            return None
        words, sentences = names.prompts(spec.modality.value)
        w = embedder.embed_text(sentences)
    except Exception as exc:  # noqa: BLE001 - no weights here: the folder names serve
        log.info("cluster names without words (%s)", exc)
        return None
    w = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-9)
    means = []
    for rows in samples:
        mat = lib.store.vectors_by_labels(m.labels[rows], m.space).matrix
        v = mat.mean(axis=0) if len(mat) else np.zeros(w.shape[1], np.float32)
        means.append(v / max(float(np.linalg.norm(v)), 1e-9))
    scores = np.stack(means) @ w.T  # (clusters, words)
    if len(means) > 1:
        scores = scores - scores.mean(axis=0, keepdims=True)
    return [words[int(i)] for i in scores.argmax(axis=1)]


def name_clusters(lib: Library, m: SavedMap, reps: np.ndarray) -> list[Cluster]:
    count = len(reps)
    if count == 0:
        return []
    rng = np.random.default_rng(0)
    samples = [_members(m, c, rng) for c in range(count)]
    found = _by_words(lib, m, samples)
    if found is None:
        paths = lib.store.file_paths(int(f) for rows in samples for f in m.file_ids[rows])
        found = names.from_paths([[paths[int(f)] for f in m.file_ids[rows] if int(f) in paths]
                                  for rows in samples])
    sizes = np.bincount(m.cluster[m.cluster >= 0], minlength=count)
    labelled = names.distinct([n or f"Group {c + 1}" for c, n in enumerate(found)])
    return [Cluster(id=c, name=labelled[c], size=int(sizes[c]),
                    representative=int(m.file_ids[reps[c]]),
                    x=float(m.xy[reps[c], 0]), y=float(m.xy[reps[c], 1]))
            for c in range(count)]
