"""The built-in demo: what it contains, that its boxes really follow the objects, and that
the cached copy is built atomically, once, and rebuilt when damaged."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui import demo
from narrlocal_gui.core.model import IndicatorStyle, Project
from narrlocal_gui.core.project_io import load_project
from narrlocal_gui.core.visibility import box_at, display_span
from narrlocal_gui.media.media_info import MediaKind
from narrlocal_gui.media.source import open_media


def shared_demo_project(factory: pytest.TempPathFactory) -> Path:
    """The demo built once per test session (it takes seconds) and shared by the modules
    that need it. Tests must copy it before changing anything."""
    folder = factory.getbasetemp() / "shared-demo"
    project = folder / demo.PROJECT_NAME
    if not project.exists():
        demo.build_demo_project(folder)
    return project


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_demo_project(tmp_path_factory)


@pytest.fixture(scope="session")
def demo_project(demo_path: Path) -> Project:
    return load_project(demo_path)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of this test's own, so ensure_demo_project never sees another test's copy."""
    home = tmp_path / "cache"
    home.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def fast_builder(demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the (slow) renderer with a copy of the session's demo; records each call."""
    calls: list[Path] = []

    def build(folder: Path, progress: demo.Progress | None = None) -> Path:
        calls.append(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in (demo.VIDEO_NAME, demo.PROJECT_NAME):
            shutil.copyfile(demo_path.parent / name, folder / name)
        return folder / demo.PROJECT_NAME

    monkeypatch.setattr(demo, "build_demo_project", build)
    return calls


# --------------------------------------------------------------------------------------------
# content
# --------------------------------------------------------------------------------------------
def test_demo_has_phrases_and_an_indicator_of_every_style(demo_project: Project) -> None:
    project = demo_project
    assert 6 <= len(project.phrases) <= 8
    assert {i.style for i in project.indicators} == set(IndicatorStyle)
    assert all(project.indicator_for_phrase(p.id) is not None for p in project.phrases)
    assert all(i.score is not None and 0.0 < i.score <= 1.0 for i in project.indicators)
    overrides = [i for i in project.indicators if i.duration_override is not None]
    assert [i.duration_override for i in overrides] == [1.5]
    texts = " ".join(p.text for p in project.phrases)
    for thing in ("cup of coffee", "spoon", "face", "cat's green eyes", "rocket"):
        assert thing in texts


def test_demo_narration_is_timed_text(demo_project: Project) -> None:
    narration = demo_project.narration
    assert narration.source == "demo"
    assert len(narration.segments) == len(demo_project.phrases)
    for segment, phrase in zip(narration.segments, demo_project.phrases, strict=True):
        assert segment.text == phrase.text
        assert [w.text for w in segment.words] == phrase.text.split()
        starts = [w.start for w in segment.words]
        assert starts == sorted(starts)
        assert segment.words[0].start >= phrase.start - 1e-6
        assert segment.words[-1].end <= phrase.end + 1e-6


def test_heatmap_indicator_has_a_grid_per_sampled_time(demo_project: Project) -> None:
    (heat,) = [i for i in demo_project.indicators if i.style is IndicatorStyle.HEATMAP]
    assert len(heat.heatmaps) >= 5
    for sample in heat.heatmaps:
        assert sample.grid.shape == (14, 14)
        assert sample.grid.max() == pytest.approx(1.0, abs=0.01)
        # The two eyes: heat is high inside the box and low far away from it.
        assert sample.grid.min() < 0.05
    others = [i for i in demo_project.indicators if i.style is not IndicatorStyle.HEATMAP]
    assert all(not i.heatmaps for i in others)


def test_demo_video_opens_and_matches_the_project(demo_project: Project) -> None:
    video = demo_project.video
    assert video is not None
    with open_media(video.path) as source:
        info = source.info
        frame = source.frame_at(10.0)
    assert info.kind is MediaKind.VIDEO
    assert (info.width, info.height) == demo.DEMO_SIZE == (video.width, video.height)
    assert info.fps == pytest.approx(demo.DEMO_FPS, rel=1e-3)
    assert 20.0 <= info.duration <= 30.0
    assert video.duration == pytest.approx(info.duration, abs=0.05)
    assert info.video_codec == "h264"
    assert info.has_audio and info.audio_codec == "aac"
    assert frame.image.shape == (540, 960, 3)
    assert frame.image.std() > 10  # a picture, not a blank frame


def test_box_tracks_stay_inside_the_frame_and_cover_the_display(demo_project: Project) -> None:
    width, height = demo.DEMO_SIZE
    for ind in demo_project.indicators:
        assert len(ind.track) >= 5, ind.id
        for point in ind.track:
            b = point.box
            assert 0 <= b.x1 < b.x2 <= width and 0 <= b.y1 < b.y2 <= height, (ind.id, point)
            assert not point.human
        start, end = display_span(ind, demo_project.phrase(ind.phrase_id), demo_project.display)
        assert ind.track[0].time <= start + 1e-6
        assert ind.track[-1].time >= end - 1e-6


def test_objects_are_never_cut_by_the_frame_edge_while_shown() -> None:
    # The track is clipped to the frame only as a guard; the camera paths are chosen so each
    # object is wholly in view while its indicator is shown.
    width, height = demo.DEMO_SIZE
    for thing in demo._THINGS:
        shot = demo._SHOTS[thing.shot]
        start, end = demo._phrase_span(thing)
        end = max(end, start + (thing.duration or 3.0))
        for t in np.linspace(start, end, 50):
            union = demo._union(thing.parts)
            b = demo._map_box(shot, (union[0], union[1], union[2], union[3]), float(t))
            assert b.x1 >= 0 and b.y1 >= 0 and b.x2 <= width and b.y2 <= height, thing.text
        assert shot.start <= start and end <= shot.end


def test_camera_never_leaves_the_photo() -> None:
    width, height = demo.DEMO_SIZE
    for shot in demo._SHOTS:
        photo = demo._load_photo(shot.photo)
        ph, pw = photo.shape[:2]
        for t in np.linspace(shot.start, shot.end, 200):
            x0, y0, s = shot.window(float(t))
            assert x0 >= -1e-6 and y0 >= -1e-6, shot.photo
            assert x0 + width / s <= pw + 1e-6 and y0 + height / s <= ph + 1e-6, shot.photo


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64).ravel() - a.mean()
    b = b.astype(np.float64).ravel() - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


@pytest.mark.parametrize("phrase_index", [0, 2, 6, 7])
def test_boxes_follow_the_object_through_the_camera_motion(
    demo_project: Project, phrase_index: int
) -> None:
    # The decoded frame inside the track's box must look like the object's crop of the photo
    # at every sampled time; a box one tenth of its size off does noticeably worse.
    import cv2

    thing = demo._THINGS[phrase_index]
    photo = demo._load_photo(demo._SHOTS[thing.shot].photo).astype(np.float32).mean(axis=2)
    x1, y1, x2, y2 = (round(v) for v in demo._union(thing.parts))
    crop = photo[y1:y2, x1:x2]
    ind = demo_project.indicators[phrase_index]
    start, end = display_span(ind, demo_project.phrase(ind.phrase_id), demo_project.display)
    # Away from the crossfades, where the frame is a blend of two photos.
    shot = demo._SHOTS[thing.shot]
    start = max(start, shot.start + demo._CROSSFADE) + 0.05
    end = min(end, shot.end - demo._CROSSFADE) - 0.05
    assert demo_project.video is not None
    with open_media(demo_project.video.path) as source:
        for t in np.linspace(start, end, 4):
            frame = source.frame_at(float(t))
            box = box_at(ind.track, frame.time)
            assert box is not None
            gray = frame.image.astype(np.float32).mean(axis=2)

            def score(dx: float, dy: float, box=box, gray=gray) -> float:
                bx1, by1 = round(box.x1 + dx), round(box.y1 + dy)
                bx2, by2 = round(box.x2 + dx), round(box.y2 + dy)
                region = gray[by1:by2, bx1:bx2]
                resized = cv2.resize(crop, (region.shape[1], region.shape[0]))
                return _ncc(region, resized)

            here = score(0, 0)
            assert here > 0.95, (thing.text, t, here)
            off = 0.1 * max(box.width, box.height)
            shifted = [
                score(dx, dy)
                for dx, dy in ((off, 0), (-off, 0), (0, off), (0, -off))
                if box.x1 + dx >= 0
                and box.x2 + dx <= demo.DEMO_SIZE[0]
                and box.y1 + dy >= 0
                and box.y2 + dy <= demo.DEMO_SIZE[1]
            ]
            assert shifted and max(shifted) < here, (thing.text, t)


def test_photos_used_are_the_public_domain_and_cc0_ones() -> None:
    assert {s.photo for s in demo._SHOTS} == set(demo.PHOTO_CREDITS)
    assert "motorcycle_left.png" not in demo.PHOTO_CREDITS
    for credit in demo.PHOTO_CREDITS.values():
        assert "public domain" in credit or "CC0" in credit


def test_build_writes_into_a_new_folder_and_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short demo keeps this fast: the shots and phrases are the real ones, cut to 2 s.
    monkeypatch.setattr(demo, "DEMO_DURATION", 2.0)
    seen: list[float] = []
    folder = tmp_path / "new" / "folder"
    project_path = demo.build_demo_project(folder, seen.append)
    assert project_path == folder / demo.PROJECT_NAME
    assert (folder / demo.VIDEO_NAME).is_file()
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    project = load_project(project_path)
    assert project.video is not None and Path(project.video.path) == folder / demo.VIDEO_NAME
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


# --------------------------------------------------------------------------------------------
# the cached copy
# --------------------------------------------------------------------------------------------
def test_ensure_builds_once_in_the_user_cache(cache_home: Path, fast_builder: list[Path]) -> None:
    path = demo.ensure_demo_project()
    assert path.is_relative_to(cache_home / "NarrLocal")
    assert path.parent.name.startswith("demo-")
    assert len(fast_builder) == 1
    # The build happened elsewhere and was renamed into place.
    assert fast_builder[0] != path.parent
    assert fast_builder[0].parent == path.parent.parent
    assert load_project(path).video is not None
    assert demo.ensure_demo_project() == path
    assert len(fast_builder) == 1, "an intact demo must be reused, not rebuilt"
    assert [p.name for p in path.parent.parent.iterdir()] == [path.parent.name]


def test_ensure_records_the_final_location(cache_home: Path, fast_builder: list[Path]) -> None:
    path = demo.ensure_demo_project()
    text = path.read_text(encoding="utf-8")
    assert ".build-" not in text, "the absolute fallback path must name the final folder"


@pytest.mark.parametrize("damage", ["delete video", "truncate video", "corrupt project"])
def test_ensure_rebuilds_a_damaged_demo(
    cache_home: Path, fast_builder: list[Path], damage: str
) -> None:
    path = demo.ensure_demo_project()
    video = path.parent / demo.VIDEO_NAME
    if damage == "delete video":
        video.unlink()
    elif damage == "truncate video":
        video.write_bytes(video.read_bytes()[:1000])
    else:
        path.write_text("{ not json", encoding="utf-8")
    assert demo.ensure_demo_project() == path
    assert len(fast_builder) == 2
    assert load_project(path).video is not None
    assert video.stat().st_size > 100_000
    assert [p.name for p in path.parent.parent.iterdir()] == [path.parent.name]


def test_ensure_rebuild_replaces_an_intact_demo(cache_home: Path, fast_builder: list[Path]) -> None:
    path = demo.ensure_demo_project()
    before = path.stat().st_mtime_ns
    time.sleep(0.01)
    assert demo.ensure_demo_project(rebuild=True) == path
    assert len(fast_builder) == 2
    assert path.stat().st_mtime_ns != before


def test_a_failed_build_leaves_nothing_behind(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(folder: Path, progress: demo.Progress | None = None) -> Path:
        (folder / demo.VIDEO_NAME).write_bytes(b"half a video")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(demo, "build_demo_project", broken)
    with pytest.raises(OSError, match="No space"):
        demo.ensure_demo_project()
    cache = cache_home / "NarrLocal"
    assert list(cache.iterdir()) == []
    assert not demo.demo_cache_dir().exists()


def test_ensure_reuses_a_copy_another_process_finished_first(
    cache_home: Path, demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = demo.demo_cache_dir()

    def racing(folder: Path, progress: demo.Progress | None = None) -> Path:
        # While this build runs, "another process" completes and renames its copy in place.
        shutil.copytree(demo_path.parent, target)
        for name in (demo.VIDEO_NAME, demo.PROJECT_NAME):
            shutil.copyfile(demo_path.parent / name, folder / name)
        return folder / demo.PROJECT_NAME

    monkeypatch.setattr(demo, "build_demo_project", racing)
    assert demo.ensure_demo_project() == target / demo.PROJECT_NAME
    assert load_project(target / demo.PROJECT_NAME).video is not None
    assert [p.name for p in target.parent.iterdir()] == [target.name]
