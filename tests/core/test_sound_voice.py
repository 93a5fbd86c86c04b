"""The default audio model: speech detected with Silero VAD goes to the voice encoder, other
sound to the sounds CNN (aisfx), in one vector space; its front-end without PyTorch."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediabrowser import mediamaker
from mediabrowser.core.embed.registry import get_spec, load_embedder
from mediabrowser.core.embed.sound_inputs import (
    SFX_FFT,
    SFX_HOP,
    SFX_MELS,
    SFX_RATE,
    SFX_SCALE,
    sfx_blocks,
    sfx_mel,
)
from mediabrowser.core.embed.sound_voice import SoundVoiceEmbedder, aisfx_network, sound_source
from mediabrowser.core.media.audio import load_audio

# Two notes of two synthetic instruments: a plucked string (bright, decaying) and a reed
# (odd harmonics, steady), 2.5 s each.
PLUCK = "({h})*exp(-2.5*t)"
REED = "({h})*(1-exp(-20*t))"


def _note(out: Path, harmonics: list[tuple[int, float]], f0: float, envelope: str) -> Path:
    h = "+".join(f"{a}*sin(2*PI*{k * f0}*t)" for k, a in harmonics)
    return mediamaker.tone(out, f"aevalsrc=0.3*{envelope.format(h=h)}:s=44100",
                           seconds=2.5)


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sound-voice")
    out = {
        "adam 1": mediamaker.speech("The weather will be cold and windy tomorrow.",
                                    d / "adam1.wav", voice="en+Adam"),
        "adam 2": mediamaker.speech("Please call me back when you get home tonight.",
                                    d / "adam2.wav", voice="en+Adam"),
        "annie": mediamaker.speech("Numbers like seven and twelve are easy to say.",
                                   d / "annie.wav", voice="en+Annie", pitch=70),
    }
    pluck = [(k, 1.0 / k) for k in range(1, 12)]
    reed = [(k, 1.0 / k) for k in range(1, 12, 2)]
    out["pluck A3"] = _note(d / "pluck1.wav", pluck, 220.0, PLUCK)
    out["pluck E4"] = _note(d / "pluck2.wav", pluck, 330.0, PLUCK)
    out["reed A3"] = _note(d / "reed1.wav", reed, 220.0, REED)
    out["reed E4"] = mediamaker.convert_audio(_note(d / "reed2.wav", reed, 330.0, REED),
                                              d / "reed2.mp3")
    return out


def test_speech_goes_to_the_voice_half_and_other_sound_to_the_sounds_half(
        sounds: dict[str, Path]) -> None:
    emb = load_embedder("sounds-voices")
    assert isinstance(emb, SoundVoiceEmbedder)
    items = {k: emb.prepare(p) for k, p in sounds.items()}
    for k, item in items.items():
        if k.startswith(("adam", "annie")):
            assert item.speech >= 0.6, k  # clear speech: the sounds CNN is not even run
            assert item.partials is not None and item.blocks is None, k
        else:
            assert item.speech <= 0.1, k
            assert item.partials is None and item.blocks is not None, k
    names = list(items)
    v = emb.embed([items[k] for k in names])
    assert v.shape == (len(names), 768)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    cos = dict(zip(((a, b) for a in names for b in names), (v @ v.T).ravel(), strict=True))
    # a voice and an instrument share nothing, whatever their sound
    for a in ("adam 1", "adam 2", "annie"):
        for b in ("pluck A3", "pluck E4", "reed A3", "reed E4"):
            assert abs(cos[a, b]) < 1e-6
    assert cos["adam 1", "adam 2"] > cos["adam 1", "annie"]
    assert cos["adam 2", "adam 1"] > cos["adam 2", "annie"]
    # the same instrument on another note (one of them an MP3) comes before the other one
    assert cos["pluck A3", "pluck E4"] > max(cos["pluck A3", "reed A3"],
                                             cos["pluck A3", "reed E4"])
    assert cos["reed A3", "reed E4"] > max(cos["reed A3", "pluck A3"],
                                           cos["reed A3", "pluck E4"])


def test_a_recording_with_some_speech_mixes_both_halves(sounds: dict[str, Path],
                                                        tmp_path: Path) -> None:
    # Two seconds of speech inside seven of a plucked note: neither all voice nor all sound.
    speech = load_audio(sounds["adam 1"])[:32000]
    note = load_audio(sounds["pluck A3"])
    mixed = np.concatenate([note, speech, note]).astype(np.float32)
    path = tmp_path / "mixed.wav"
    import soundfile

    soundfile.write(path, mixed, 16000)
    emb = load_embedder("sounds-voices")
    assert isinstance(emb, SoundVoiceEmbedder)
    item = emb.prepare(path)
    w = emb.speech_weight(item.speech)
    assert 0.0 < w < 1.0, item.speech
    assert item.partials is not None and item.blocks is not None
    v = emb.embed([item])[0]
    assert np.linalg.norm(v[:256]) ** 2 == pytest.approx(w, abs=1e-5)


def test_sounds_front_end_without_torch_equals_torchaudio(sounds: dict[str, Path]) -> None:
    import torch
    import torchaudio.functional as AF
    import torchaudio.transforms as AT

    spectrogram = AT.Spectrogram(n_fft=SFX_FFT, hop_length=SFX_HOP, power=2.0, center=True,
                                 pad_mode="constant",
                                 window_fn=lambda n: torch.hann_window(n, periodic=False))
    fb = AF.melscale_fbanks(SFX_FFT // 2 + 1, 0.0, SFX_RATE / 2, SFX_MELS, SFX_RATE,
                            mel_scale="htk")
    fb = fb / fb.sum(dim=0, keepdim=True).clamp_min(1e-12)  # unit-sum triangles (Essentia)
    for name in ("adam 1", "reed E4"):
        wav = load_audio(sounds[name], rate=SFX_RATE)
        x = torch.from_numpy(wav / np.abs(wav).max())
        expected = (torch.log10(1 + 1e4 * (spectrogram(x).T @ fb)) / SFX_SCALE).numpy()
        got = sfx_mel(wav)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 1e-4


def test_sounds_blocks_cover_the_recording_and_stay_bounded() -> None:
    mel = np.random.default_rng(0).random((1000, SFX_MELS)).astype(np.float32)
    assert sfx_blocks(mel, 4).shape == (4, 100, SFX_MELS)
    assert np.array_equal(sfx_blocks(mel, 4)[0], mel[:100])
    assert np.array_equal(sfx_blocks(mel, 4)[-1], mel[900:1000])
    short = sfx_blocks(mel[:30], 4)  # shorter than a block: padded with silence
    assert short.shape == (1, 100, SFX_MELS) and not short[0, 30:].any()
    assert sfx_blocks(mel[:260], 8).shape == (3, 100, SFX_MELS)  # the last 60 frames too
    assert sfx_blocks(mel[:230], 8).shape == (2, 100, SFX_MELS)  # not the last 30


def test_the_sounds_network_loads_from_the_package_checkpoint_without_pickled_code() -> None:
    from mediabrowser.core.embed.registry import locate_package_file

    spec = get_spec("sounds-voices")
    found = locate_package_file(sound_source(spec)).path
    assert found is not None
    net = aisfx_network(found)
    import torch

    with torch.no_grad():
        out = net(torch.zeros(2, 100, SFX_MELS))
    assert tuple(out.shape) == (2, 512)


def test_a_library_made_with_the_old_default_keeps_it(sounds: dict[str, Path],
                                                      tmp_path: Path) -> None:
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library
    from mediabrowser.core.search import find_similar

    folder = tmp_path / "sounds"
    folder.mkdir()
    for k in ("adam 1", "adam 2", "annie"):
        (folder / sounds[k].name).write_bytes(sounds[k].read_bytes())
    with Library(tmp_path / "lib") as lib:
        assert lib.config.models["audio"] == "sounds-voices"  # a new library: the new default
        lib.config.models["audio"] = "voice-timbre"  # as a library from before it was saved
        lib.save_config()
    with Library(tmp_path / "lib") as lib:
        assert lib.config.models["audio"] == "voice-timbre"
        assert index_paths(lib, [folder]).embedded == 3
        assert lib.store.vector_counts() == {"voice-timbre": 3}
        found = find_similar(lib, folder / sounds["adam 1"].name, k=2)
        assert found[0].item.path == str(folder / sounds["adam 2"].name)


@pytest.fixture(scope="module")
def long_recording(sounds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 13 s: speech, two notes, speech, a note — joined, at 44.1 kHz."""
    d = tmp_path_factory.mktemp("long")
    parts = [sounds["annie"], sounds["pluck A3"], sounds["reed E4"], sounds["adam 1"],
             sounds["pluck E4"]]
    inputs = [x for p in parts for x in ("-i", str(p))]
    chain = "".join(f"[{j}:a]aresample=44100,aformat=channel_layouts=mono[a{j}];"
                    for j in range(len(parts)))
    joined = "".join(f"[a{j}]" for j in range(len(parts)))
    out = d / "long.wav"
    subprocess.run(["ffmpeg", "-y", "-v", "error", *inputs, "-filter_complex",
                    f"{chain}{joined}concat=n={len(parts)}:v=0:a=1", str(out)], check=True)
    return out


def test_a_piece_of_a_long_recording_finds_it_with_the_time(
        long_recording: Path, sounds: dict[str, Path], tmp_path: Path) -> None:
    from mediabrowser.cli import main as cli
    from mediabrowser.core.media.audio import audio_info

    media = tmp_path / "media"
    media.mkdir()
    (media / "long.wav").write_bytes(long_recording.read_bytes())
    for k in ("pluck A3", "reed A3", "adam 2"):  # the same sounds, as files of their own
        (media / sounds[k].name).write_bytes(sounds[k].read_bytes())
    # The reed note sits after the speech and the pluck: cut 2.5 s from its middle, quieter,
    # as an MP3 (not in the library).
    at = audio_info(sounds["annie"])[0] + audio_info(sounds["pluck A3"])[0] + 0.1
    piece = tmp_path / "piece.mp3"
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-ss", f"{at:.3f}", "-t", "2.3", "-i",
                    str(long_recording), "-af", "volume=0.6", "-b:a", "96k", str(piece)],
                   check=True)
    lib = tmp_path / "lib"
    assert cli(["index", str(media), "--library", str(lib)]) == 0
    from mediabrowser.core.library import Library

    with Library(lib) as opened:
        spaces = opened.store.spaces()
        assert "sounds-voices@moments" in spaces  # the long one has moments, in their own space
    out = tmp_path / "out.json"
    import contextlib
    import io
    import json

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli(["similar", str(piece), "--library", str(lib), "-k", "3", "--json"]) == 0
    out.write_text(buf.getvalue())
    results = json.loads(buf.getvalue())[str(piece)]
    first = results[0]
    assert first["path"] == str(media / "long.wav")
    assert abs(first["start"] - at) <= 2.0 and first["end"] > first["start"]
    assert first["tier"] == "same"  # a piece of a recording is the same content
    assert all("start" not in r for r in results[1:] if r["path"] != first["path"])


def test_a_long_recording_is_sampled_not_read_whole(long_recording: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Beyond CONTIGUOUS_SECONDS the windows are read by seeking: SAMPLED_WINDOWS of them.
    from mediabrowser.core.embed import sound_inputs

    monkeypatch.setattr(sound_inputs, "CONTIGUOUS_SECONDS", 5.0)
    monkeypatch.setattr(sound_inputs, "SAMPLED_WINDOWS", 7)
    emb = load_embedder("sounds-voices")
    assert isinstance(emb, SoundVoiceEmbedder)
    item = emb.prepare(long_recording)
    assert item.windows is not None and len(item.windows.starts) == 7
    from mediabrowser.core.media.audio import audio_info

    end = audio_info(long_recording)[0] - sound_inputs.WINDOW_SECONDS
    assert item.windows.starts[0] == 0.0 and item.windows.starts[-1] == pytest.approx(end)
    assert item.windows.speech[0] > 0.5  # it opens with speech
    vectors, moments = emb.embed_with_moments([item])
    assert len(moments[0]) == 7 and vectors.shape == (1, 768)
    assert all(m.end > m.start for m in moments[0])


def test_a_query_as_a_moment_is_kept_until_its_file_changes(sounds: dict[str, Path],
                                                            tmp_path: Path) -> None:
    emb = load_embedder("sounds-voices")
    assert isinstance(emb, SoundVoiceEmbedder)
    path = tmp_path / "query.wav"
    path.write_bytes(sounds["pluck A3"].read_bytes())
    first = emb.moment_query(path)
    assert emb.moment_query(path) is first  # asked again: not decoded again
    path.write_bytes(sounds["reed A3"].read_bytes())  # another sound under the same name
    other = emb.moment_query(path)
    assert other is not first and float(other @ first) < 0.99
