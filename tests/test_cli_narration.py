"""``narrlocal transcribe`` and ``narrlocal align``: outputs, the summary line, and that a bad
input or an existing output is one line on stderr with exit code 2, leaving files alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from narrlocal_gui.cli.main import COMMANDS
from narrlocal_gui.cli.narration import default_output
from narrlocal_gui.narration.transcript_json import transcript_from_dict
from tests.media_factory import make_counter_clip
from tests.test_cli import assert_one_error_line, run

DATA = Path(__file__).resolve().parent / "data"
TEXT = (
    "First, put some oil into a pan and heat it. Then add the chopped onions and stir them "
    "for 2 minutes. Now crack 2 eggs into a bowl and whisk them with a fork. Pour the eggs "
    "over the onions.\n"
)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    source = DATA / "english_omelette.ogg"
    if not source.is_file():
        pytest.skip("tests/data/english_omelette.ogg is absent")
    return Path(shutil.copy(source, tmp_path / "omelette.ogg"))


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "omelette.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_the_commands_are_registered() -> None:
    names = [c.name for c in COMMANDS]
    assert "transcribe" in names and "align" in names


def test_default_output() -> None:
    assert default_output(Path("/v/clip.mp4")) == Path("/v/clip.transcript.json")


def test_transcribe_writes_the_transcript(capfd: pytest.CaptureFixture[str], clip: Path) -> None:
    code, out, err = run(capfd, "transcribe", clip, "--model", "tiny.en")
    assert code == 0, err
    assert err == ""  # no progress line when stderr is not a terminal
    target = clip.with_name("omelette.transcript.json")
    assert out.startswith(f"{target}: ") and len(out.splitlines()) == 1
    assert "language en" in out and "tiny.en on cpu (int8)" in out and "real-time factor" in out
    transcript = transcript_from_dict(json.loads(target.read_text("utf-8")))
    assert transcript.model == "tiny.en" and transcript.narration.source == "asr:tiny.en"
    words = [w for s in transcript.narration.segments for w in s.words]
    assert len(words) > 20 and all(w.confidence is not None for w in words)
    assert "onions" in " ".join(w.text.lower() for w in words)
    n_segments = len(transcript.narration.segments)
    assert f"{n_segments} segments, {len(words)} words" in out


def test_an_existing_output_is_kept_without_force(
    capfd: pytest.CaptureFixture[str], clip: Path, tmp_path: Path
) -> None:
    target = tmp_path / "mine.json"
    target.write_text("my own notes", encoding="utf-8")
    code, _, err = run(capfd, "transcribe", clip, "-o", target, "--model", "tiny.en")
    assert code == 2
    assert_one_error_line(err)
    assert "already exists" in err and "--force" in err
    assert target.read_text("utf-8") == "my own notes"
    code, _, err = run(capfd, "align", clip, tmp_path / "x.txt", "-o", target)
    assert code == 2 and "already exists" in err
    assert target.read_text("utf-8") == "my own notes"


def test_force_replaces(
    capfd: pytest.CaptureFixture[str], clip: Path, text_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    code, out, err = run(capfd, "align", clip, text_file, "-o", target, "--force")
    assert code == 0, err
    assert out.startswith(f"{target}: 4 sentences, 40 words aligned")
    transcript = transcript_from_dict(json.loads(target.read_text("utf-8")))
    assert transcript.narration.source == "aligned"


@pytest.mark.parametrize("command", ["transcribe", "align"])
def test_a_missing_video(capfd: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    argv = [command, tmp_path / "nothing.mp4"] + (
        [tmp_path / "t.txt"] if command == "align" else []
    )
    code, _, err = run(capfd, *argv)
    assert code == 2
    assert_one_error_line(err)
    assert "does not exist" in err
    assert not (tmp_path / "nothing.transcript.json").exists()


@pytest.mark.parametrize("command", ["transcribe", "align"])
def test_no_audio_track(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, text_file: Path, command: str
) -> None:
    video = make_counter_clip(tmp_path / "mute.mp4", with_audio=False)
    extra = [text_file] if command == "align" else ["--model", "tiny.en"]
    code, _, err = run(capfd, command, video, *extra)
    assert code == 2
    assert_one_error_line(err)
    assert "no audio track" in err
    assert not default_output(video).exists()


def test_align_reads_only_utf8_text(
    capfd: pytest.CaptureFixture[str], clip: Path, tmp_path: Path
) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Café crème".encode("latin-1"))
    code, _, err = run(capfd, "align", clip, latin1)
    assert code == 2
    assert_one_error_line(err)
    assert "not UTF-8" in err
    code, _, err = run(capfd, "align", clip, tmp_path / "missing.txt")
    assert code == 2 and "does not exist" in err


def test_a_language_tiny_en_cannot_do_is_refused_at_once(
    capfd: pytest.CaptureFixture[str], clip: Path
) -> None:
    code, _, err = run(capfd, "transcribe", clip, "--model", "tiny.en", "--language", "de")
    assert code == 2
    assert_one_error_line(err)
    assert "only English" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["transcribe", "x.mp4", "--language", "english"],
        ["transcribe", "x.mp4", "--model", "large"],
        ["transcribe", "x.mp4", "--device", "tpu"],
        ["align", "x.mp4"],
    ],
)
def test_usage_errors(capfd: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capfd, *argv)
    assert code == 2
    assert "usage: narrlocal" in err and "Traceback" not in err
