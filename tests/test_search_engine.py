"""The search engine on synthetic clips (narrlocal_gui/synth knows when each thing moves and
is said), with stand-in encoders (tests/search_fakes.py); the CLI's table, --json, bad
queries and exit codes; the moments metrics on hand-made cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.cli.main import main
from narrlocal_gui.core.model import Narration
from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache
from narrlocal_gui.localizer.search.engine import SearchEngine, action_span
from narrlocal_gui.localizer.search.moment import Evidence, Moment
from narrlocal_gui.localizer.search.moments_eval import (
    MomentItem,
    baseline_predictions,
    score_predictions,
)
from narrlocal_gui.localizer.search.query import QueryError, check_query
from narrlocal_gui.media.writer import write_video
from narrlocal_gui.synth.plan import SynthSettings, plan_clip
from narrlocal_gui.synth.render import render_clip
from tests.search_fakes import fake_engine

SETTINGS = SynthSettings(clips=1, seconds=12.0, size=(160, 120), fps=8.0, seed=3)


@pytest.fixture(scope="module")
def synth_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Narration, object]:
    plan = plan_clip(SETTINGS, 0)
    frames = render_clip(plan.scene).frames
    path = write_video(
        tmp_path_factory.mktemp("synth") / "clip.mp4", iter(frames), SETTINGS.fps, SETTINGS.size
    )
    narration = Narration(tuple(u.segment() for u in plan.utterances()), source="synth")
    return path, narration, plan


def red_clip(path: Path, start: float, end: float, seconds: float = 20.0) -> Path:
    """Grey frames with a red square from ``start`` to ``end``."""
    fps = 10.0
    frames = []
    for i in range(int(seconds * fps)):
        f = np.full((96, 128, 3), 110, dtype=np.uint8)
        if start <= i / fps < end:
            f[30:70, 40:90] = (220, 20, 20)
        frames.append(f)
    return write_video(path, iter(frames), fps, (128, 96))


def test_a_thing_on_screen_is_found_by_picture_alone(tmp_path: Path) -> None:
    engine = fake_engine(cache=FeatureCache(tmp_path / "cache"))
    video = engine.index_video(red_clip(tmp_path / "red.mp4", 6.0, 10.0))
    best = engine.search(video, "the red square", top=3)[0]
    assert best.iou(6.0, 10.0) >= 0.7, best


def test_features_are_cached_by_the_media_file(tmp_path: Path) -> None:
    clip = red_clip(tmp_path / "red.mp4", 2.0, 4.0)
    first = fake_engine(cache=FeatureCache(tmp_path / "cache")).index_video(clip)
    counted: list[int] = []
    again = fake_engine(cache=FeatureCache(tmp_path / "cache"))
    scorer = again.scorer
    original = scorer.frame_logits

    def counting(frames: np.ndarray) -> np.ndarray:
        counted.append(len(frames))
        return original(frames)

    scorer.frame_logits = counting  # type: ignore[method-assign]
    second = again.index_video(clip)
    assert counted == []  # a new engine (a new process) reads the disk cache
    np.testing.assert_allclose(first.logits, second.logits, atol=0.05)
    np.testing.assert_array_equal(first.motion, second.motion)


def test_a_narrated_motion_is_found_in_a_synthetic_clip(
    synth_clip: tuple[Path, Narration, object],
) -> None:
    path, narration, plan = synth_clip
    engine = fake_engine()
    video = engine.index_video(path)
    event = plan.events[0]  # type: ignore[attr-defined]
    words = event.utterance.text.split()
    # A user's words: the described thing's words, in another order, with "moves".
    query = "moves " + " ".join(reversed(words[-3:]))
    ranked = engine.search(video, query, engine.index_narration(narration), top=5)
    truth = (
        min(event.motion.start, event.utterance.start),
        max(event.motion.end, event.utterance.end),
    )
    assert max(m.iou(*truth) for m in ranked) >= 0.3, (ranked, truth)


def test_motion_alone_gives_an_action_span_inside_the_window(
    synth_clip: tuple[Path, Narration, object],
) -> None:
    path, _, plan = synth_clip
    engine = fake_engine()
    video = engine.index_video(path)
    motion = plan.events[0].motion  # type: ignore[attr-defined]
    span = engine.action_span(video, "move it", motion.start, motion.end, window=3.0)
    assert span is not None
    assert motion.start - 3.0 - 1e-6 <= span.start < span.end <= motion.end + 3.0 + 1e-6
    assert span.iou(motion.start, motion.end) > 0.2
    assert engine.action_span(video, "the it", 1.0, 2.0) is None  # nothing to look for


def test_action_span_is_none_where_nothing_stands_out() -> None:
    times = np.arange(0, 10, 0.5)
    flat = Evidence(times, np.zeros(20), np.zeros(20), None, action=True, duration=10.0)
    assert action_span(flat, 4.0, 5.0) is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), ("   ", "empty"), ("the of it", "common words"), ("x" * 10_000, "10,000")],
)
def test_bad_queries_say_why(text: str, fragment: str) -> None:
    with pytest.raises(QueryError, match=fragment):
        check_query(text)
    assert check_query("  pour   the water ")[0] == "pour the water"


def run(capfd: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture
def patched_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(
        SearchEngine,
        "load",
        classmethod(lambda cls, *a, **k: fake_engine(cache=FeatureCache(tmp_path / "c"))),
    )


@pytest.mark.usefixtures("patched_engine")
def test_the_cli_prints_a_table_and_writes_json(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clip = red_clip(tmp_path / "red.mp4", 12.0, 16.0)
    out = tmp_path / "found.json"
    code, text, err = run(capfd, "search", clip, "red square", "--top", "3", "--json", out)
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0].split() == ["rank", "start", "end", "length", "score"]
    assert len(lines) == 4 and lines[1].split()[0] == "1"
    doc = json.loads(out.read_text())
    assert doc["query"] == "red square" and len(doc["moments"]) == 3
    best = doc["moments"][0]
    assert Moment(best["start"], best["end"], best["score"]).iou(12.0, 16.0) >= 0.7
    code, _, err = run(capfd, "search", clip, "red square", "--json", out)
    assert code == 2 and "--force" in err  # nothing overwritten without --force
    assert json.loads(out.read_text()) == doc


@pytest.mark.usefixtures("patched_engine")
@pytest.mark.parametrize("query", ["", "the and of", "y" * 10_000])
def test_the_cli_refuses_bad_queries_in_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, query: str
) -> None:
    clip = red_clip(tmp_path / "red.mp4", 1.0, 2.0, seconds=3.0)
    code, out, err = run(capfd, "search", clip, query)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("narrlocal: error: The query")


def test_the_cli_refuses_a_missing_file(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capfd, "search", tmp_path / "none.mp4", "red")
    assert code == 2 and "no such file" in err


def item(start: float, end: float, **kw: object) -> MomentItem:
    return MomentItem("i", Path("v.mp4"), "q", start, end, **kw)  # type: ignore[arg-type]


def test_recall_and_miou_on_hand_made_cases() -> None:
    items = [item(0.0, 10.0), item(10.0, 20.0), item(0.0, 4.0, also=((30.0, 34.0),))]
    preds = [
        [Moment(0.0, 10.0, 1.0)],  # exact: IoU 1
        [Moment(0.0, 5.0, 1.0), Moment(12.0, 20.0, 0.5)],  # first misses, second IoU 0.8
        [Moment(31.0, 34.0, 1.0)],  # the "also" span: IoU 0.75
    ]
    s = score_predictions("m", items, preds)
    assert s.recall1 == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert s.recall5 == pytest.approx((1.0, 1.0, 1.0))
    assert s.miou == pytest.approx((1.0 + 0.0 + 0.75) / 3)


def test_baselines_are_the_whole_video_the_spoken_span_and_seeded_random() -> None:
    items = [item(2.0, 4.0, spoken=(1.0, 3.0)), item(5.0, 9.0)]
    b = baseline_predictions(items, [10.0, 10.0])
    assert b["whole video"][0][0] == Moment(0.0, 10.0, 0.0)
    assert b["narration span"][0][0] == Moment(1.0, 3.0, 0.0)
    assert b["narration span"][1][0] == Moment(0.0, 10.0, 0.0)
    assert all(m.duration == pytest.approx(3.0) for m in b["random span"][0])
    assert b == baseline_predictions(items, [10.0, 10.0])  # seeded
