"""The training-free bridge localizer: phrase parsing into ImageNet classes, the heat maps
and the result's shape, reuse of feature grids (memory and disk), and real pointing on
annotated frames of ../shared (where the centre prior misses).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrlocal_gui.localizer.clip_boxes import BoxSettings
from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache, MediaFingerprint
from narrlocal_gui.localizer.encoders.imagenet_classes import class_names
from narrlocal_gui.localizer.encoders.text_encoder import TextEncoder
from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder
from narrlocal_gui.localizer.methods.bridge import (
    BridgeConfig,
    BridgeLocalizer,
    ClassNameIndex,
    PhraseQuery,
)
from narrlocal_gui.localizer.types import ClipInput, Localization
from narrlocal_gui.media.source import open_media
from narrlocal_gui.progress import Cancelled

NAMES = class_names()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> ClassNameIndex:
    # Explicit folders: module fixtures run before conftest points XDG_* at temporary ones.
    return ClassNameIndex(TextEncoder.load("cpu"), cache_dir=tmp_path_factory.mktemp("text"))


@pytest.fixture(scope="module")
def bridge(index: ClassNameIndex, tmp_path_factory: pytest.TempPathFactory) -> BridgeLocalizer:
    return _fresh(index, FeatureCache(tmp_path_factory.mktemp("features")))


def _fresh(index: ClassNameIndex, cache: FeatureCache | None = None) -> BridgeLocalizer:
    return BridgeLocalizer(
        VideoEncoder.load("cpu"),
        TextEncoder.load("cpu"),
        feature_cache=cache,
        class_index=index,
    )


@pytest.fixture
def count_encodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Frames encoded by the shared VideoEncoder during the test."""
    encoder = VideoEncoder.load("cpu")
    real = encoder.encode
    counts: list[int] = []

    def counting(frames: np.ndarray, **kwargs: Any) -> np.ndarray:
        counts.append(len(frames))
        return real(frames, **kwargs)

    monkeypatch.setattr(encoder, "encode", counting)
    yield counts


def _random_clip(n: int = 3, seed: int = 0, size: tuple[int, int] = (160, 90)) -> ClipInput:
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 256, (n, size[1], size[0], 3), dtype=np.uint8)
    return ClipInput(frames, np.arange(n) * 0.5, 0.4, 0.6)


# -- parsing ---------------------------------------------------------------------------------


def _top(query: PhraseQuery, chunk: int = 0) -> list[str]:
    return [NAMES[c] for c in query.chunks[chunk].classes[:3]]


def test_an_object_noun_picks_its_class(bridge: BridgeLocalizer) -> None:
    query = bridge.parse("the banana")
    assert [c.text for c in query.chunks] == ["banana"]
    assert _top(query)[0] == "banana"
    assert query.chunks[0].similarity > 0.9
    assert not query.interaction
    assert query.weights.sum() == pytest.approx(1.0, abs=1e-5)
    assert len(query.selected) == BridgeConfig().top_k


def test_the_object_counts_more_than_the_rest_and_verbs_are_not_classes(
    bridge: BridgeLocalizer,
) -> None:
    query = bridge.parse("pour the coffee into the blue mug")
    assert [c.text for c in query.chunks] == ["coffee", "blue mug"]
    assert [c.weight for c in query.chunks] == [1.0, 0.5]
    assert query.interaction
    assert "coffee mug" in _top(query, 1)
    assert query.weights[NAMES.index("coffee mug")] > 0.05


def test_adjectives_do_not_pull_in_their_own_classes(bridge: BridgeLocalizer) -> None:
    query = bridge.parse("the red cup")
    assert [c.text for c in query.chunks] == ["cup"]  # not "red wine", "red fox", ...
    assert _top(query)[0] == "cup"
    compound = bridge.parse("the white pickup truck")
    assert [c.text for c in compound.chunks] == ["pickup truck"]
    assert _top(compound)[0] == "pickup"


def test_a_phrase_without_nouns_falls_back_to_its_content_words(bridge: BridgeLocalizer) -> None:
    query = bridge.parse("stir well")
    assert [c.text for c in query.chunks] == ["stir"]
    empty = bridge.parse("")
    assert empty.chunks == ()
    assert empty.weights.sum() == 0
    assert empty.selected.size == 0


def test_the_class_name_vectors_are_computed_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TextEncoder.load("cpu")
    first = ClassNameIndex(text, cache_dir=tmp_path)
    files = list(tmp_path.glob("imagenet-synonyms-*.npy"))
    assert len(files) == 1

    def no_encoding(texts: list[str], **kwargs: Any) -> np.ndarray:
        if len(texts) > 10:
            raise AssertionError("the class names were encoded again")
        return real(texts, **kwargs)

    real = text.encode_sentences
    monkeypatch.setattr(text, "encode_sentences", no_encoding)
    again = ClassNameIndex(text, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.similarity(["mug"]), first.similarity(["mug"]))
    # A damaged file is recomputed, not trusted.
    files[0].write_bytes(b"garbage")
    monkeypatch.undo()
    rebuilt = ClassNameIndex(text, cache_dir=tmp_path)
    np.testing.assert_allclose(rebuilt.similarity(["mug"]), first.similarity(["mug"]), atol=1e-5)


# -- the result ------------------------------------------------------------------------------


def test_the_result_has_one_map_point_box_and_score_per_frame(
    bridge: BridgeLocalizer, index: ClassNameIndex
) -> None:
    clip = _random_clip(4)
    # The heat-only boxes hold their frame's point; the default boxes (regions followed
    # through the clip, a median over neighbouring frames) stay in the frame.
    default = bridge.localize(clip, "put the lemon in the bowl")
    for x1, y1, x2, y2 in default.boxes:
        assert 0 <= x1 < x2 <= 160 and 0 <= y1 < y2 <= 90
    heat_only = BridgeLocalizer(
        bridge.video_encoder,
        bridge.text_encoder,
        config=BridgeConfig(boxes=BoxSettings(method="heat")),
        class_index=index,
    )
    loc = heat_only.localize(clip, "put the lemon in the bowl")
    np.testing.assert_array_equal(loc.points, default.points)
    assert isinstance(loc, Localization)
    assert loc.heatmaps.shape == (4, 14, 25)  # 448 px short side, 90 x 160 frames
    assert loc.heatmaps.dtype == np.float32
    assert loc.heatmaps.min() >= 0.0
    np.testing.assert_allclose(loc.heatmaps.max(axis=(1, 2)), 1.0, atol=1e-6)
    np.testing.assert_array_equal(loc.times, clip.times)
    for (x, y), (x1, y1, x2, y2) in zip(loc.points, loc.boxes, strict=True):
        assert 0 <= x1 <= x <= x2 <= 160 and 0 <= y1 <= y <= y2 <= 90
    assert loc.scores.dtype == np.float32
    assert np.all((loc.scores >= 0) & (loc.scores <= 1))


def test_frames_far_from_the_phrase_score_lower(bridge: BridgeLocalizer) -> None:
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    clip = ClipInput(frames, np.array([1.0, 5.0, 12.0]), 5.0, 6.0)
    scores = bridge.localize(clip, "the cup").scores
    assert scores[1] > scores[0] > scores[2] == 0.0


def test_motion_draws_actions_but_not_objects(bridge: BridgeLocalizer) -> None:
    # A bright square slides along the bottom-left of a still, textured picture.
    rng = np.random.default_rng(5)
    background = rng.integers(60, 120, (90, 160, 3), dtype=np.uint8)
    frames = np.repeat(background[None], 5, axis=0)
    for i, frame in enumerate(frames):
        x = 5 + 8 * i
        frame[60:85, x : x + 25] = 230
    clip = ClipInput(frames, np.arange(5) * 0.5, 0.5, 1.5)
    motion = bridge.motion(clip, (14, 25))
    assert motion.shape == (5, 14, 25)
    assert motion.min() >= 0.0 and motion.max() == pytest.approx(1.0)
    row, col = np.unravel_index(int(np.argmax(motion[2])), motion[2].shape)
    assert row >= 8 and 2 <= col <= 12  # on the square (x 21-46 of 160, y 60-85 of 90)
    still = BridgeLocalizer(
        bridge.video_encoder,
        bridge.text_encoder,
        config=BridgeConfig(motion_weight=0.0),
        class_index=bridge.class_index,
    )
    assert bridge.parse("slide it across").interaction
    moved = bridge.localize(clip, "slide it across").heatmaps
    unmoved = still.localize(clip, "slide it across").heatmaps
    gain = moved[2] - unmoved[2]  # both peak at 1
    grow, gcol = np.unravel_index(int(np.argmax(gain)), gain.shape)
    assert gain.max() > 0.2
    assert grow >= 7 and gcol <= 10  # the heat grew where the square moves
    assert gain[:4].max() < 0.05  # and none in the still top rows
    # An object phrase ignores motion.
    assert not bridge.parse("the thing").interaction
    np.testing.assert_allclose(
        bridge.localize(clip, "the thing").heatmaps, still.localize(clip, "the thing").heatmaps
    )
    # One frame (a photo) has no motion at all.
    assert not bridge.motion(ClipInput(frames[:1], np.zeros(1), 0, 0), (14, 25)).any()


def test_cancelling_stops_the_encoding(index: ClassNameIndex) -> None:
    with pytest.raises(Cancelled):
        _fresh(index).localize(_random_clip(2, seed=9), "the cup", cancel=lambda: True)


# -- reuse of feature grids ------------------------------------------------------------------


def test_every_phrase_of_a_window_reuses_its_grids(
    index: ClassNameIndex, count_encodes: list[int]
) -> None:
    method = _fresh(index)
    clip = _random_clip(3, seed=11)
    method.localize(clip, "the cup")
    method.localize(clip, "pour the coffee")
    # An overlapping window: only its new frame is encoded.
    more = np.concatenate([clip.frames[1:], _random_clip(1, seed=12).frames])
    method.localize(ClipInput(more, np.array([0.5, 1.0, 1.5]), 0.5, 1.0), "the mug")
    assert count_encodes == [3, 1]


def test_grids_of_a_named_media_file_are_kept_on_disk(
    index: ClassNameIndex, tmp_path: Path, count_encodes: list[int]
) -> None:
    source = tmp_path / "video.mp4"
    source.write_bytes(b"stand-in for a video file")
    media = MediaFingerprint.of(source)
    cache = FeatureCache(tmp_path / "features")
    clip = _random_clip(2, seed=13)
    first = _fresh(index, cache).localize(clip, "the cup", media=media)
    assert len(list((tmp_path / "features").rglob("*.npy"))) == 2
    # A new process (no memory) on the same file: from disk, no encoding.
    second = _fresh(index, cache).localize(clip, "the cup", media=media)
    assert count_encodes == [2]
    np.testing.assert_allclose(second.heatmaps, first.heatmaps, atol=1e-6)


def test_the_registry_creates_the_bridge() -> None:
    from narrlocal_gui.localizer.methods.registry import create_method

    method = create_method("bridge")
    assert isinstance(method, BridgeLocalizer)
    assert method.name == "bridge"


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="short_side"):
        BridgeConfig(short_side=100)
    with pytest.raises(ValueError, match="top_k"):
        BridgeConfig(top_k=0)
    with pytest.raises(ValueError, match="temperature"):
        BridgeConfig(text_temperature=0)
    with pytest.raises(ValueError, match="box_threshold"):
        BridgeConfig(box_threshold=1.0)


# -- real pictures ---------------------------------------------------------------------------


def _item(shared_media: Path, item_id: str) -> dict[str, Any]:
    data = json.loads((shared_media.parent / "eval" / "public.json").read_text("utf-8"))
    return next(i for i in data["items"] if i["id"] == item_id)


def _inside(point: np.ndarray | tuple[float, float], boxes: list[list[float]]) -> bool:
    x, y = point
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


@pytest.mark.shared
@pytest.mark.parametrize(
    "item_id",
    ["coffee-mug-1", "cups-ball-1", "charades-cup-1", "groceries-baguette-1"],
)
def test_named_objects_are_found_where_the_centre_prior_misses(
    bridge: BridgeLocalizer, shared_media: Path, item_id: str
) -> None:
    item = _item(shared_media, item_id)
    with open_media(shared_media / item["media"]) as source:
        frame = source.frame_at(float(item.get("time") or 0.0))
    clip = ClipInput(frame.image[None].copy(), np.array([frame.time]), frame.time, frame.time)
    loc = bridge.localize(clip, item["phrase"])
    width, height = clip.size
    assert not _inside((width / 2, height / 2), item["boxes"])
    assert _inside(loc.points[0], item["boxes"]), (loc.points[0], item["boxes"])
    x1, y1, x2, y2 = loc.boxes[0]
    assert (x2 - x1) * (y2 - y1) < 0.8 * width * height  # a region, not the whole frame


@pytest.mark.shared
def test_fruit_names_point_at_different_fruits(bridge: BridgeLocalizer, shared_media: Path) -> None:
    import cv2

    bgr = cv2.imread(str(shared_media / "images" / "fruits.jpg"))
    assert bgr is not None
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    clip = ClipInput(rgb[None], np.zeros(1), 0.0, 0.0)
    points = {
        name: bridge.localize(clip, f"the {name}").points[0]
        for name in ("banana", "orange", "lemon")
    }
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)

    def hue(p: np.ndarray) -> float:
        return float(hsv[int(p[1]), int(p[0]), 0])

    # Each lands on a yellow-to-orange pixel (OpenCV hue 5-40), and not all in one place.
    for name, p in points.items():
        assert 5 <= hue(p) <= 40, (name, p, hue(p))
    spread = max(np.linalg.norm(a - b) for a in points.values() for b in points.values())
    assert spread > 0.1 * max(clip.size)
