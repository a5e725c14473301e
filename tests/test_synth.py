"""``narrlocal synth``: the synthetic narrated-video generator.

Ground truth is checked against pixels drawn independently of the box bookkeeping (the
described object alone on a blank picture), the narration against the vocabulary and the
timing rules, the files against the project's own readers, and the whole data set for
byte-identical regeneration from a seed.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.cli.main import main
from narrlocal_gui.localizer.evaluation import load_pointing_dataset
from narrlocal_gui.media.source import open_media
from narrlocal_gui.narration.transcript_json import transcript_from_dict
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.synth.dataset import (
    MANIFEST_NAME,
    SPLITS_NAME,
    Split,
    SynthSettings,
    assign_splits,
    eval_items,
    generate_dataset,
    plan_clip,
    render_clip,
)
from narrlocal_gui.synth.narration import (
    ACTION_VERBS,
    DIRECTION_WORDS,
    FILLERS,
    PICK_UP_TEMPLATES,
    SHAPE_WORDS,
    SIZE_WORDS,
    TEMPLATES,
)
from narrlocal_gui.synth.plan import ClipPlan
from narrlocal_gui.synth.scene import (
    Action,
    Background,
    BackgroundKind,
    Colour,
    SceneSpec,
    Texture,
)

SMALL = SynthSettings(clips=4, seconds=6.0, size=(192, 144), fps=8.0, seed=5)
PLANS = 60  # clips planned (not drawn) for the statistical checks
BLANK = (255, 0, 255)  # a colour no object, texture or hand has


def _words(text: str) -> set[str]:
    return set(re.sub(r"\{\w+\}", " ", text).split())


def _plans(settings: SynthSettings | None = None) -> list[ClipPlan]:
    return [plan_clip(settings or SynthSettings(), i) for i in range(PLANS)]


# --------------------------------------------------------------------------------------------
# ground truth
# --------------------------------------------------------------------------------------------
def _alone(scene: SceneSpec, k: int) -> SceneSpec:
    """Object ``k`` with its motions, nothing else, on a blank picture (the arm blank too,
    so only the object and the hand holding it show)."""
    return replace(
        scene,
        background=Background(BackgroundKind.PLAIN, BLANK, BLANK),
        objects=(scene.objects[k],),
        motions=tuple(replace(m, target=0) for m in scene.motions if m.target == k),
        sleeve_rgb=BLANK,
    )


@pytest.mark.parametrize("index", range(6))
def test_evaluation_boxes_are_the_described_objects_pixels(index: int) -> None:
    settings = SynthSettings(seed=11)
    plan = plan_clip(settings, index)
    rendered = render_clip(plan.scene)
    items = eval_items(f"c{index}", plan, rendered, settings.min_visible)
    assert len(items) == len(plan.events)
    checked = 0
    for event, item in zip(plan.events, items, strict=True):
        if item is None:
            continue
        frame = round(item.time * settings.fps - 0.5)
        alone = render_clip(_alone(plan.scene, event.motion.target), [frame]).frames[0]
        ys, xs = np.nonzero(np.any(alone != np.array(BLANK, np.uint8), axis=2))
        drawn = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert np.allclose(item.boxes[0], drawn, atol=1), (item.phrase, item.boxes, drawn)
        # ...and the full picture shows the object there, mostly unhidden.
        full = rendered.frames[frame]
        mask = np.any(alone != np.array(BLANK, np.uint8), axis=2)
        same = np.all(full[mask] == alone[mask], axis=1).mean()
        assert same >= settings.min_visible - 0.05
        checked += 1
    assert checked >= 1


def test_objects_stay_in_the_frame_and_boxes_bound_them() -> None:
    plan = plan_clip(SynthSettings(seed=2), 7)
    rendered = render_clip(plan.scene)
    width, height = plan.scene.size
    boxes = rendered.boxes
    assert np.all(boxes[..., 0] >= 0) and np.all(boxes[..., 1] >= 0)
    assert np.all(boxes[..., 2] <= width) and np.all(boxes[..., 3] <= height)
    assert np.all(boxes[..., 2] > boxes[..., 0]) and np.all(boxes[..., 3] > boxes[..., 1])
    # large enough for a cell of a 7x7 feature grid of the long side
    sides = np.minimum(boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1])
    assert sides.max() >= max(width, height) / 7


def test_the_same_seed_gives_the_same_clip_and_another_seed_another() -> None:
    a, b = plan_clip(SMALL, 1), plan_clip(SMALL, 1)
    assert a == b
    assert np.array_equal(render_clip(a.scene).frames, render_clip(b.scene).frames)
    assert plan_clip(replace(SMALL, seed=6), 1) != a
    # a clip does not depend on how many clips are made
    assert plan_clip(replace(SMALL, clips=100), 1) == a


def test_the_described_object_moves_during_its_event() -> None:
    for plan in _plans()[:10]:
        rendered = render_clip(plan.scene)
        for event in plan.events:
            m = event.motion
            first = round(m.start * plan.scene.fps) + 1
            last = min(round(m.end * plan.scene.fps) - 1, plan.scene.frame_count - 1)
            before = rendered.frames[first][rendered.boxes[first, m.target, 1] :]
            boxes = rendered.boxes[first : last + 1, m.target]
            moved = np.ptp(boxes, axis=0).max() > 0
            if m.action is Action.SPIN:  # turning in place: the pixels change instead
                after = rendered.frames[last][rendered.boxes[first, m.target, 1] :]
                moved = moved or not np.array_equal(before, after)
            assert moved, m


# --------------------------------------------------------------------------------------------
# narration
# --------------------------------------------------------------------------------------------
def _vocabulary() -> set[str]:
    words = {"the", "it", "plain"}
    for template, _ in TEMPLATES:
        words |= _words(template)
    for template in PICK_UP_TEMPLATES:
        words |= _words(template)
    for names in (*SHAPE_WORDS.values(), *SIZE_WORDS.values(), *DIRECTION_WORDS.values()):
        words |= {w for name in names for w in name.split()}
    for forms in ACTION_VERBS.values():
        words |= {w for form in forms for verb in form for w in verb.split()}
    words |= {c.value for c in Colour} | {t.value for t in Texture}
    return words


def test_phrases_use_the_vocabulary_and_name_their_object_uniquely() -> None:
    vocabulary = _vocabulary()
    named_shapes = {w: s for s, names in SHAPE_WORDS.items() for w in names}
    named_sizes = {w: s for s, names in SIZE_WORDS.items() for w in names}
    actions = set()
    for plan in _plans():
        for event in plan.events:
            words = event.utterance.text.split()
            assert set(words) <= vocabulary, event.utterance.text
            target = plan.scene.objects[event.motion.target]
            shapes = [named_shapes[w] for w in words if w in named_shapes]
            colours = [Colour(w) for w in words if w in {c.value for c in Colour}]
            textures = [Texture(w) for w in words if w in {t.value for t in Texture}]
            sizes = [named_sizes[w] for w in words if w in named_sizes]
            assert shapes == [target.shape]
            assert colours in ([], [target.colour])
            assert textures in ([], [target.texture])
            assert sizes in ([], [target.size_class])
            fitting = [
                o
                for o in plan.scene.objects
                if o.shape is target.shape
                and all(o.colour is c for c in colours)
                and all(o.texture is t for t in textures)
                and all(o.size_class is s for s in sizes)
            ]
            assert fitting == [target], event.utterance.text
            assert (event.kind == "interaction") == (event.motion.action is Action.PICK_UP)
            actions.add(event.motion.action)
    assert actions == set(Action)


def test_narration_timing_is_loose_but_bounded() -> None:
    settings = SynthSettings()
    offsets = []
    for plan in _plans(settings):
        spoken = plan.utterances()
        assert all(a.end + 0.2 <= b.start for a, b in itertools.pairwise(spoken))
        assert spoken[-1].end <= plan.scene.duration
        for event in plan.events:
            offset = event.utterance.start - event.motion.start
            assert -settings.lead - 1e-9 <= offset <= settings.lag + 1e-9
            offsets.append(offset)
            assert 1.5 - 1e-9 <= event.motion.end - event.motion.start <= 4.0 + 1e-9
    offsets_array = np.array(offsets)
    # loose both ways, like real narration, and not always by the same amount
    assert (offsets_array < -0.3).mean() > 0.1 and (offsets_array > 0.3).mean() > 0.1
    assert np.std(offsets_array) > 0.3


def test_fillers_name_nothing_and_are_never_evaluated() -> None:
    vocabulary = _vocabulary() - _words(" ".join(t for t, _ in TEMPLATES)) - {"the", "it"}
    vocabulary -= _words(" ".join(PICK_UP_TEMPLATES))
    for text in FILLERS:
        assert not set(text.split()) & vocabulary, text
    plans = _plans()
    assert sum(len(p.fillers) for p in plans) >= PLANS // 4
    for plan in plans[:8]:
        items = eval_items("c", plan, render_clip(plan.scene), 0.8)
        phrases = {item.phrase for item in items if item is not None}
        assert not phrases & {f.text for f in plan.fillers}
        assert phrases <= {e.utterance.text for e in plan.events}


def test_distractors_move_while_described_objects_do() -> None:
    overlapping = 0
    events = 0
    for plan in _plans():
        for event in plan.events:
            events += 1
            m = event.motion
            middle = (m.start + m.end) / 2
            overlapping += any(
                o.target != m.target and o.start <= middle <= o.end for o in plan.scene.motions
            )
    assert overlapping / events > 0.4


# --------------------------------------------------------------------------------------------
# the files
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "set"
    generate_dataset(out, SMALL)
    return out


def test_the_files_load_with_the_projects_readers(written: Path) -> None:
    full = load_pointing_dataset(written / "eval.json", written)
    assert full.items and {i.kind for i in full.items} <= {"object", "interaction"}
    splits = json.loads((written / SPLITS_NAME).read_text())
    named = sorted(name for names in splits.values() for name in names)
    assert named == [f"clip_{i:04d}" for i in range(SMALL.clips)]
    for split in Split:
        path = written / f"eval_{split.value}.json"
        if not path.exists():
            continue
        part = load_pointing_dataset(path, written)
        assert {Path(i.media).stem for i in part.items} <= set(splits[split.value])
    manifest = json.loads((written / MANIFEST_NAME).read_text())
    assert manifest["format"] == "narrlocal-synth" and len(manifest["clips"]) == SMALL.clips
    for record in manifest["clips"]:
        doc = json.loads((written / record["transcript"]).read_text())
        transcript = transcript_from_dict(doc)
        said = [s.text.rstrip(".").lower() for s in transcript.narration.segments]
        assert said == [n["text"] for n in record["narration"]]
        for segment in transcript.narration.segments:
            assert segment.words[0].start == segment.start
            assert segment.words[-1].end <= segment.end
        assert len(record["boxes"][0]) == SMALL.frame_count


def test_the_video_frame_at_an_items_time_is_the_one_its_box_was_made_on(written: Path) -> None:
    dataset = load_pointing_dataset(written / "eval.json", written)
    item = dataset.items[0]
    index = int(item.media.split("_")[-1].split(".")[0])
    rendered = render_clip(plan_clip(SMALL, index).scene)
    with open_media(written / item.media) as source:
        assert (source.info.width, source.info.height) == SMALL.size
        assert source.info.frame_count == SMALL.frame_count
        decoded = source.frame_at(item.time).image.astype(np.int16)
    errors = np.array([np.abs(decoded - f.astype(np.int16)).mean() for f in rendered.frames])
    # the frame drawn for the item matches best (frames at the top of a jump can tie)
    assert errors[round(item.time * SMALL.fps - 0.5)] == errors.min() < errors.max()


def test_the_same_seed_writes_the_same_files(written: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_dataset(again, SMALL)
    names = [MANIFEST_NAME, SPLITS_NAME, "eval.json", "transcripts/clip_0002.json"]
    for name in names:
        assert (again / name).read_bytes() == (written / name).read_bytes(), name


def test_progress_is_reported_and_cancel_stops_before_the_top_files(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    settings = replace(SMALL, clips=3, seconds=4.0)
    with pytest.raises(Cancelled):
        generate_dataset(
            tmp_path / "out", settings, lambda d, n: seen.append((d, n)), lambda: len(seen) == 2
        )
    assert seen == [(1, 3), (2, 3)]
    assert not (tmp_path / "out" / MANIFEST_NAME).exists()
    assert len(list((tmp_path / "out" / "videos").iterdir())) == 2


def test_splits_follow_the_fractions() -> None:
    splits = assign_splits(10, (0.8, 0.1, 0.1), seed=3)
    assert [splits.count(s) for s in Split] == [8, 1, 1]
    assert assign_splits(10, (0.8, 0.1, 0.1), seed=3) == splits
    assert [assign_splits(7, (0.5, 0.25, 0.25), 0).count(s) for s in Split] == [3, 2, 2]
    assert set(assign_splits(3, (0.0, 0.0, 1.0), 0)) == {Split.TEST}


@pytest.mark.parametrize(
    "change",
    [
        {"clips": 0},
        {"seconds": 2.0},
        {"size": (321, 240)},
        {"fps": 0.0},
        {"split": (0.5, 0.5, 0.5)},
        {"min_objects": 3, "max_objects": 2},
    ],
)
def test_settings_refuse_nonsense(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        replace(SynthSettings(), **change)


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------
def _cli(capfd: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capfd.readouterr()
    return code, out, err


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("narrlocal: error: "), err
    return lines[0]


def test_cli_refuses_a_folder_that_is_not_empty(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me")
    code, _, err = _cli(capfd, "synth", tmp_path, "--clips", "1")
    assert code == 2
    assert "--force" in _one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

    small = ["--clips", "2", "--seconds", "4", "--size", "160x120", "--fps", "6"]
    code, out, _ = _cli(capfd, "synth", tmp_path, *small, "--force")
    assert code == 0
    assert "Wrote 2 clips" in out
    assert mine.read_text() == "keep me"
    assert (tmp_path / "videos" / "clip_0001.mp4").is_file()


def test_cli_object_count_and_distractors_reach_the_settings(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    small = ["--clips", "2", "--seconds", "4", "--size", "160x120", "--fps", "6"]
    code, _, err = _cli(capfd, "synth", tmp_path, *small, "--objects", "3", "--distractors", "0")
    assert code == 0, err
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["min_objects"] == manifest["settings"]["max_objects"] == 3
    assert manifest["settings"]["distractor_rate"] == 0.0


@pytest.mark.parametrize(
    "argv",
    [
        ["--size", "320by240"],
        ["--size", "321x240"],
        ["--split", "0.5,0.6,0.1"],
        ["--clips", "0"],
        ["--seconds", "1"],
        ["--objects", "3,2"],
        ["--objects", "7"],
        ["--objects", "two"],
        ["--distractors", "1.5"],
        ["--distractors", "nan"],
    ],
)
def test_cli_bad_arguments_are_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    code, _, err = _cli(capfd, "synth", tmp_path / "out", *argv)
    assert code == 2
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_refuses_a_missing_parent(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _cli(capfd, "synth", tmp_path / "no" / "out", "--clips", "1")
    assert code == 2
    assert "does not exist" in _one_error_line(err)
