"""Fit the default audio model's fixed parameters (mediabrowser/core/embed/voice_timbre.json)
on the *choosing* sets of bench/audio_sets.py (set A: 10 espeak-ng voices, 10 General MIDI
instruments); bench_quality.py confirms on set B, which shares no voice, sentence, instrument
or note with set A.

    .venv/bin/python bench/fit_audio_reference.py [--media DIR]

Needs espeak-ng, ffmpeg, fluidsynth and fluid-soundfont-gm (apt).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from audio_sets import instruments, speakers

from mediabrowser.core.embed import sound_features as sf
from mediabrowser.core.embed.audio_models import VOICE_TIMBRE_PARAMS
from mediabrowser.core.embed.registry import load_embedder
from mediabrowser.core.media.decode import load_audio


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    root = Path(ap.parse_args().media)
    voice = load_embedder("voice-ge2e")
    feats: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, make in (("speech", speakers), ("music", instruments)):
        paths, _ = make(root / f"{name}-A", "A")
        wavs = [load_audio(p) for p in paths]
        feats[name] = (np.stack([sf.timbre(w) for w in wavs]),
                       np.array([sf.speech_rate(w) for w in wavs]),
                       voice.embed([voice.prepare(p) for p in paths]))
    timbre = np.concatenate([feats["speech"][0], feats["music"][0]])
    proto = feats["speech"][2].mean(axis=0)
    proto /= np.linalg.norm(proto)
    rate_s, rate_m = np.median(feats["speech"][1]), np.median(feats["music"][1])
    sim_s, sim_m = (np.median(feats[k][2] @ proto) for k in ("speech", "music"))
    params = {
        "fitted_on": "bench/audio_sets.py set A: 60 speech and 60 instrument recordings",
        "timbre_mean": timbre.mean(axis=0).round(6).tolist(),
        "timbre_std": (timbre.std(axis=0) + 1e-6).round(6).tolist(),
        "timbre_groups": [[0, sf.HARMONIC_DIM], [sf.HARMONIC_DIM, sf.TIMBRE_DIM]],
        "speech_prototype": proto.round(6).tolist(),
        "rate_mid": round(float(rate_s + rate_m) / 2, 6),
        "rate_scale": round(abs(float(rate_s - rate_m)) / 8, 6),
        "proto_mid": round(float(sim_s + sim_m) / 2, 6),
        "proto_scale": round(abs(float(sim_s - sim_m)) / 8, 6),
        "gate": [0.2, 0.6, 0.05, 0.995],
    }
    VOICE_TIMBRE_PARAMS.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {VOICE_TIMBRE_PARAMS}: speech rate {rate_s:.3f} vs {rate_m:.3f}, "
          f"voice-prototype similarity {sim_s:.3f} vs {sim_m:.3f}")


if __name__ == "__main__":
    main()
