"""Fit the default audio model's fixed parameters (core/embed/sound_voice.json) on set A only:
each half's mean vector (the voice encoder's over set A's speech, the sounds CNN's over all of
set A), and print the VAD's speech share per class so the gate can be chosen between them.

    .venv/bin/python bench/fit_sound_voice.py [--media /tmp/mb-bench-quality] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import audio_sets  # noqa: E402

from mediabrowser.core.embed import sound_voice  # noqa: E402
from mediabrowser.core.embed.registry import load_embedder  # noqa: E402
from mediabrowser.core.embed.sound_inputs import SoundVoiceInput  # noqa: E402


def raw_parts(emb: sound_voice.SoundVoiceEmbedder, paths: list[Path]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(speech shares, raw voice vectors, raw sound vectors) with both halves computed."""
    read = SoundVoiceInput(emb.vad_graph, voice_from=0.0, sounds_until=2.0)
    items = [read(str(p))[0] for p in paths]
    voices = emb.voice.voices([i.partials for i in items])
    sounds = emb.sound_parts([i.blocks for i in items])
    return np.array([i.speech for i in items]), np.stack(voices), np.stack(sounds)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    ap.add_argument("--write", action="store_true", help="write sound_voice.json")
    a = ap.parse_args()
    root = Path(a.media)
    emb = load_embedder("sounds-voices")
    sp, _sl = audio_sets.speakers(root / "speech-A", "A")
    mp, ml = audio_sets.instruments(root / "music-A", "A")
    s_share, s_voice, s_sound = raw_parts(emb, sp)
    m_share, _m_voice, m_sound = raw_parts(emb, mp)
    print(f"speech share, set A voices: min {s_share.min():.2f}, 5th pct "
          f"{np.percentile(s_share, 5):.2f}, median {np.median(s_share):.2f}")
    print(f"speech share, set A instruments: max {m_share.max():.2f}, 95th pct "
          f"{np.percentile(m_share, 95):.2f}, median {np.median(m_share):.2f}")
    params = json.loads(sound_voice.PARAMS.read_text(encoding="utf-8"))
    params["voice_mean"] = [round(float(x), 6) for x in s_voice.mean(axis=0)]
    params["sound_mean"] = [round(float(x), 6)
                            for x in np.concatenate([s_sound, m_sound]).mean(axis=0)]
    params["fitted_on"] = (f"bench/audio_sets.py set A: {len(sp)} espeak-ng voice recordings, "
                           f"{len(mp)} FluidR3 instrument notes")
    if a.write:
        sound_voice.PARAMS.write_text(json.dumps(params) + "\n", encoding="utf-8")
        print("written", sound_voice.PARAMS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
