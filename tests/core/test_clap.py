"""CLAP (words → sounds) with random weights the test saves: its real loading code (the
architecture read off the checkpoint), both towers exported to ONNX and checked against
transformers on real decoded audio, the tokenizer and log-mel without PyTorch, and a library
searched by words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mediabrowser import mediamaker
from mediabrowser.core.embed.clap_inputs import RATE, WINDOW_S, log_mel, repeat_pad, window_starts
from mediabrowser.core.embed.registry import forget_loaded, get_spec, load_embedder
from mediabrowser.core.embed.roberta_tokenizer import RobertaTokenizer

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

WORDS = ["a", "dog", "barking", "in", "the", "rain", "piano", "music", "bird", "song", "car",
         "engine", "of", "and", "'s", "bell"]


def _byte_units() -> list[str]:
    from mediabrowser.core.embed.clip_tokenizer import byte_to_unicode

    return list(byte_to_unicode().values())


def tiny_vocab() -> tuple[dict[str, int], list[str]]:
    """A small byte-level BPE: the 256 byte units, then merges that spell a few words with and
    without their leading space (Ġ), as RoBERTa's files are laid out."""
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for u in _byte_units():
        vocab.setdefault(u, len(vocab))
    merges: list[str] = []
    for word in WORDS:
        for spelled in (word, "Ġ" + word):
            parts = list(spelled)
            while len(parts) > 1:  # merge left to right: a valid (if not minimal) merge list
                pair = f"{parts[0]} {parts[1]}"
                if pair not in merges:
                    merges.append(pair)
                parts = [parts[0] + parts[1], *parts[2:]]
                vocab.setdefault(parts[0], len(vocab))
    return vocab, merges


@pytest.fixture
def models_dir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "models"
    d.mkdir()
    forget_loaded()
    yield d
    forget_loaded()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Hugging Face-like snapshot of a small CLAP with random weights."""
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    d = tmp_path_factory.mktemp("clap-snapshot")
    vocab, merges = tiny_vocab()
    torch.manual_seed(0)
    cfg = ClapConfig(
        text_config={"vocab_size": len(vocab), "hidden_size": 64, "num_hidden_layers": 2,
                     "num_attention_heads": 1, "intermediate_size": 128,
                     "max_position_embeddings": 80},
        audio_config={"patch_embeds_hidden_size": 16, "depths": [1, 1, 2, 1],
                      "num_attention_heads": [1, 2, 2, 4], "hidden_size": 128},
        projection_dim=32)
    model = ClapModel(cfg).eval()
    model.save_pretrained(d)
    (d / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (d / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    ClapFeatureExtractor(truncation="rand_trunc", frequency_min=50).save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clap-sounds")
    return {
        "speech": mediamaker.speech("The bell rang twice before the dog started barking.",
                                    d / "speech.wav"),
        "tone": mediamaker.tone(d / "tone.mp3", "sine=frequency=440:sample_rate=44100",
                                seconds=3),
        "long": mediamaker.tone(d / "long.ogg", "anoisesrc=color=pink:sample_rate=22050:a=0.2",
                                seconds=25),
    }


def test_roberta_tokenizer_without_transformers_equals_transformers(snapshot: Path) -> None:
    from transformers import RobertaTokenizer as Theirs

    theirs = Theirs(str(snapshot / "vocab.json"), str(snapshot / "merges.txt"))
    vocab, merges = tiny_vocab()
    ours = RobertaTokenizer(vocab, merges)
    for text in ["a dog barking in the rain", "Piano music's bell", "car engine  and 42 birds!",
                 "", "émigré café ☕"]:
        assert ours.encode(text) == theirs(text, add_special_tokens=False)["input_ids"], text
    ids = ours(["bird song", "x " * 200])
    assert ids.shape == (2, 77) and ids[0, 0] == 0 and ids[1, -1] == 2
    n = len(ours.encode("bird song"))
    assert ids[0, n + 1] == 2 and (ids[0, n + 2:] == 1).all()  # <s> bird song </s> <pad>…


@pytest.mark.parametrize("truncation", ["rand_trunc", "fusion"])
def test_log_mel_without_transformers_equals_clap_feature_extractor(
        sounds: dict[str, Path], truncation: str) -> None:
    from transformers import ClapFeatureExtractor

    from mediabrowser.core.media.decode import load_audio

    wav = load_audio(sounds["speech"], WINDOW_S, rate=RATE)
    fx = ClapFeatureExtractor(truncation=truncation, frequency_min=50, frequency_max=14000)
    theirs = fx(wav, sampling_rate=RATE, return_tensors="np")["input_features"][0, 0]
    ours = log_mel(repeat_pad(wav), "slaney" if truncation == "rand_trunc" else "htk",
                   50.0, 14000.0)
    assert ours.shape == theirs.shape == (1001, 64)
    assert np.abs(ours - theirs).max() < 1e-2  # dB; float64 here, float32 there


def test_long_recordings_give_a_bounded_number_of_windows() -> None:
    assert window_starts(4.0) == [0.0]
    assert window_starts(25.0) == [0.0, 7.5, 15.0]
    three_hours = window_starts(3 * 3600.0)
    assert len(three_hours) == 6 and three_hours[-1] == 3 * 3600.0 - WINDOW_S


def _install(snapshot: Path, models_dir: Path) -> None:
    from mediabrowser.core.embed.manager import import_weights

    import_weights(get_spec("clap-general"), snapshot / "model.safetensors", models_dir,
                   check_checksum=False)


@pytest.mark.slow
def test_clap_exports_both_towers_and_agrees_with_transformers_on_real_audio(
        snapshot: Path, sounds: dict[str, Path], models_dir: Path) -> None:
    from transformers import ClapFeatureExtractor, ClapModel
    from transformers import RobertaTokenizer as Theirs

    from mediabrowser.core.embed.clap_models import ClapEmbedder
    from mediabrowser.core.embed.engine import OrtRunner
    from mediabrowser.core.media.decode import load_audio

    _install(snapshot, models_dir)
    assert (models_dir / "clap-general.vocab.json").is_file()
    emb = load_embedder("clap-general", "cpu", models_dir)
    assert isinstance(emb, ClapEmbedder) and isinstance(emb.audio_runner, OrtRunner)
    assert isinstance(emb.text_runner, OrtRunner)
    assert emb.inputs.mel_scale == "slaney" and emb.inputs.f_min == 50.0  # from the snapshot

    model = ClapModel.from_pretrained(snapshot).eval()
    fx = ClapFeatureExtractor.from_pretrained(snapshot)
    wavs = [load_audio(sounds[n], WINDOW_S, rate=RATE) for n in ("speech", "tone")]
    with torch.no_grad():
        feats = fx(wavs, sampling_rate=RATE, return_tensors="pt")
        theirs = model.get_audio_features(input_features=feats["input_features"])
        theirs = getattr(theirs, "pooler_output", theirs).numpy()
    ours = emb.embed([emb.prepare(sounds["speech"]), emb.prepare(sounds["tone"])])
    assert ours.shape == (2, 32)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    assert (np.sum(ours * theirs, axis=1) > 0.999).all()

    tok = Theirs(str(snapshot / "vocab.json"), str(snapshot / "merges.txt"))
    texts = ["a dog barking in the rain", "piano music"]
    with torch.no_grad():
        batch = tok(texts, padding=True, return_tensors="pt")
        t = model.get_text_features(**batch)
        t = getattr(t, "pooler_output", t).numpy()
    mine = emb.embed_text(texts)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    assert (np.sum(mine * t, axis=1) > 0.999).all()

    # a long recording: a few windows spread over it, averaged
    long = emb.prepare(sounds["long"])
    assert long.shape == (3, 1, 1001, 64)
    assert emb.embed([long]).shape == (1, 32)


@pytest.mark.slow
def test_a_library_on_clap_finds_sounds_by_words(snapshot: Path, sounds: dict[str, Path],
                                                  models_dir: Path, tmp_path: Path) -> None:
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library
    from mediabrowser.core.search import QueryError, search_text, text_kinds

    _install(snapshot, models_dir)
    forget_loaded()
    lib = Library(tmp_path / "lib", models_dir=models_dir)
    try:
        with pytest.raises(QueryError, match="needs a CLAP sound model"):
            search_text(lib, "a dog barking", kind="audio")
        lib.switch_model("audio", "clap-general")
        assert text_kinds(lib) == [get_spec("clap-general").modality]
        report = index_paths(lib, list(sounds.values()))
        assert report.embedded == 3 and not report.problems
        found = search_text(lib, "a dog barking", k=5, kind="audio")
        assert sorted(str(m.item.path) for m in found) == sorted(str(p) for p in sounds.values())
        scores = [m.score for m in found]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        # the cosines are what the text tower and the stored vectors give
        text = lib.embedder("clap-general").embed_text(["a dog barking"])[0]  # type: ignore[attr-defined]
        stored = np.concatenate([c.matrix for c in lib.store.space_chunks("clap-general")])
        assert np.allclose([m.cosine for m in found], sorted(stored @ text, reverse=True),
                           atol=1e-4)
        assert search_text(lib, "a dog barking", k=5) == found  # no CLIP: sounds alone
    finally:
        lib.close()
