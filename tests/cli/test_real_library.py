"""A real person's library through the command line: odd names round-trip, native decoders
stay off the terminal, and a file that crashes a decoder cannot stop the library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from mediabrowser import mediamaker
from tests.cli.test_cli import mb
from tests.conftest import textured


def _odd_folder(folder: Path) -> list[bytes]:
    folder.mkdir()
    names = [b"caf\xe9.jpg", b"new\nline.jpg", b"-dash.jpg", "🐈 cat.jpg".encode(),
             b"y" * 251 + b".jpg", b"clip \xff.mp4", b"voice \xe9.wav", b"\xe9cho.wav"]
    base = os.fsencode(folder)
    for i, n in enumerate(names[:5]):
        textured((50 * i, 120, 200), seed=i).save(os.fsdecode(os.path.join(base, n)), "JPEG")
    still = folder / "still.png"
    textured((200, 80, 40), seed=9).save(still)
    clip = mediamaker.video_from_photo(still, folder / "clip.mp4", seconds=1.0)
    os.rename(clip, os.path.join(base, names[5]))
    for n, freq in ((names[6], 440), (names[7], 660)):
        tone = mediamaker.tone(folder / "t.wav", f"sine=frequency={freq}", seconds=1.0)
        os.rename(tone, os.path.join(base, n))
    still.unlink()
    return [os.path.join(base, n) for n in names]


def test_any_printed_path_can_be_passed_back(tmp_path: Path) -> None:
    files = _odd_folder(tmp_path / "odd")
    lib = str(tmp_path / "lib")
    r = mb("index", str(tmp_path / "odd"), "--library", lib, "--json")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert json.loads(r.stdout)["embedded"] == len(files)
    queries = [os.fsdecode(f) for f in files]
    r = mb("similar", *queries, "--library", lib, "--json", "-k", "10")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    out = json.loads(r.stdout)
    assert list(out) == queries  # each query, as given, keyed exactly
    printed = {hit["path"] for hits in out.values() for hit in hits}
    assert {os.fsencode(p) for p in printed} == set(files)
    # What JSON printed goes back in unchanged: json.loads + os.fsencode give the exact bytes.
    r = mb("similar", *sorted(printed), "--library", lib, "--json", "-k", "1")
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout)) == printed
    # Plain text output prints names as their bytes, as ls does.
    r = subprocess.run([sys.executable, "-m", "mediabrowser", "similar", queries[0],
                        "--library", lib, "-k", "10"], capture_output=True)
    assert r.returncode == 0 and files[1] in r.stdout


def test_damaged_files_print_nothing_from_native_decoders(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    song = mediamaker.convert_audio(mediamaker.tone(media / "a.wav", seconds=2.0),
                                    media / "song.mp3")
    data = song.read_bytes()
    (media / "glitch.mp3").write_bytes(data[:400] + os.urandom(3000) + data[5000:])
    (media / "junk.mp3").write_bytes(b"\xff\xfb" + os.urandom(5000))
    (media / "junk.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + os.urandom(3000))
    lib = str(tmp_path / "lib")
    # Without the capture (debug mode) the decoders do print: the check below means something.
    loud = mb("index", str(media), "--library", str(tmp_path / "loud"), "--json",
              env={"MEDIABROWSER_DEBUG": "1"})
    assert loud.returncode == 0 and loud.stderr.strip()
    r = mb("index", str(media), "--library", lib, "--json")
    assert r.returncode == 0 and r.stderr == ""
    reasons = {Path(p["path"]).name: p["reason"] for p in json.loads(r.stdout)["problems"]}
    assert reasons["junk.mkv"] == "no picture in this file: damaged, or not a video"
    assert reasons["junk.mp3"].startswith("damaged")
    r = mb("similar", str(media / "junk.mkv"), str(media / "song.mp3"), "--library", lib,
           "--json")
    assert r.stderr.strip().splitlines() == [
        f"mediabrowser: {media / 'junk.mkv'}: no picture in this file: damaged, or not a video"]


def test_a_file_that_crashes_the_decoder_fails_alone_and_the_run_goes_on(tmp_path: Path
                                                                         ) -> None:
    media = tmp_path / "media"
    media.mkdir()
    for i in range(3):
        textured((80 * i, 60, 160), seed=i).save(media / f"ok{i}.jpg")
    textured((10, 10, 10), seed=7).save(media / "killer.jpg")
    lib = str(tmp_path / "lib")
    # A JPEG decoder that dies on one file with a segmentation fault, as a native library
    # can, registered through the app's public decoder registry from a module of its own.
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "fragile_jpeg.py").write_text(textwrap.dedent("""
        import ctypes
        from pathlib import Path
        from mediabrowser.core.media.images import decode_with_pillow

        def decode(path, min_side):
            if Path(path).name == "killer.jpg":
                ctypes.string_at(0)  # a real segfault
            return decode_with_pillow(path, min_side)
    """))
    run = textwrap.dedent(f"""
        import sys
        import fragile_jpeg
        from mediabrowser.core.media.decoder_registry import register_decoder
        register_decoder("image", ".jpg", fragile_jpeg.decode)
        from mediabrowser.cli import main
        if __name__ == "__main__":
            sys.exit(main(["index", {str(media)!r}, "--library", {lib!r}, "--json"]))
    """)
    script = plugins / "run.py"
    script.write_text(run)
    env = {**os.environ, "PYTHONPATH": str(plugins)}
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, r.stderr  # the run survived the crash
    report = json.loads(r.stdout)
    assert [(Path(p["path"]).name, p["reason"].split(" (")[0]) for p in report["problems"]] == [
        ("killer.jpg", "the decoder crashed on this file")]
    assert report["embedded"] == 3
    again = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           timeout=300, env=env)
    # The next run still lists it (its error status stays until the file changes).
    assert again.returncode == 0, again.stderr
    assert [Path(p["path"]).name for p in json.loads(again.stdout)["problems"]] == [
        "killer.jpg"]
