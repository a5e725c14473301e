import json
import os
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.core import edits
from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    HeatColors,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Narration,
    NotVisualReason,
    Phrase,
    Project,
    Segment,
    TrackPoint,
    VideoRef,
    Word,
)
from narrlocal_gui.core.project_io import (
    FORMAT_VERSION,
    atomic_write_bytes,
    load_project,
    looks_like_project,
    project_to_json,
    save_project,
)
from narrlocal_gui.errors import ProjectFileError, ProjectVersionError


def full_project(video_path: Path) -> Project:
    words = (Word("put", 1.0, 1.2, 0.9), Word("the", 1.2, 1.3), Word("pan", 1.3, 1.6, 0.8))
    return Project(
        video=VideoRef(str(video_path), duration=12.5, width=640, height=360, fps=29.97),
        narration=Narration((Segment("put the pan", 1.0, 1.6, words),), "en", "srt"),
        phrases=(
            Phrase("p1", "put the pan", 1.0, 1.6),
            Phrase("p2", "stir it", 2.0, 9.0),
            Phrase("p3", "in this video", 9.0, 9.5, False, NotVisualReason.META_TALK),
        ),
        indicators=(
            Indicator(
                "i1",
                "p1",
                IndicatorStyle.SPOTLIGHT,
                duration_override=1.5,
                color=(1, 2, 3),
                track=(
                    TrackPoint(1.0, Box(1, 2, 30, 40)),
                    TrackPoint(1.5, Box(5, 5, 50, 60), True),
                ),
                heatmaps=(HeatSample(1.0, np.linspace(0, 1, 49).reshape(7, 7)),),
                score=0.75,
                hide_interpolated=True,
            ),
            Indicator("i2", "p2", enabled=False),
        ),
        display=DisplaySettings(default_duration=None, line_width=5, show_labels=False),
    )


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    video = tmp_path / "media" / "clip.mp4"
    video.parent.mkdir()
    video.write_bytes(b"x")
    proj = full_project(video)
    path = tmp_path / "p.narrlocal"
    save_project(proj, path)
    back = load_project(path)
    assert back.phrases == proj.phrases
    assert back.narration == proj.narration
    assert back.display == proj.display
    assert back.video is not None and Path(back.video.path) == video.resolve()
    assert back.video.fps == 29.97
    for a, b in zip(back.indicators, proj.indicators, strict=True):
        assert (
            a.id,
            a.style,
            a.enabled,
            a.duration_override,
            a.color,
            a.track,
            a.score,
            a.hide_interpolated,
        ) == (
            b.id,
            b.style,
            b.enabled,
            b.duration_override,
            b.color,
            b.track,
            b.score,
            b.hide_interpolated,
        )
        assert len(a.heatmaps) == len(b.heatmaps)
        for ha, hb in zip(a.heatmaps, b.heatmaps, strict=True):
            np.testing.assert_allclose(ha.grid, hb.grid, atol=1 / 255)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["video"]["path"] == "media/clip.mp4"  # relative, so the folder can move
    assert doc["version"] == FORMAT_VERSION


def test_moved_project_folder_finds_its_video(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    video = tmp_path / "a" / "v.mp4"
    video.write_bytes(b"x")
    save_project(full_project(video), tmp_path / "a" / "p.narrlocal")
    (tmp_path / "a").rename(tmp_path / "b")
    back = load_project(tmp_path / "b" / "p.narrlocal")
    assert back.video is not None and Path(back.video.path) == (tmp_path / "b" / "v.mp4").resolve()


def test_unicode_and_spaces_in_paths(tmp_path: Path) -> None:
    folder = tmp_path / "my vidéo ✓"
    folder.mkdir()
    video = folder / "clip ü.mp4"
    video.write_bytes(b"x")
    proj = edits.set_indicator_style(full_project(video), "i2", IndicatorStyle.HEATMAP)
    path = folder / "projét 1.narrlocal"
    save_project(proj, path)
    assert load_project(path).indicator("i2").style is IndicatorStyle.HEATMAP


def test_save_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.narrlocal"
    save_project(Project(), path)
    before = path.read_bytes()

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(ProjectFileError, match="No space left"):
        save_project(full_project(tmp_path / "v.mp4"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.narrlocal"]  # no temp file left behind


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        save_project(Project(), tmp_path / "new.narrlocal")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.narrlocal").stat().st_mode & 0o777 == 0o640


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"old")
    path.chmod(0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\xff\xfe garbage", "not a NarrLocal project"),
        (b"{not json", "invalid JSON at line 1"),
        (b"[1, 2]", "not a NarrLocal project"),
        (b'{"format": "something-else", "version": 1}', "not a NarrLocal project"),
        (b'{"format": "narrlocal-project", "version": "1"}', "version"),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [{"id": "a", "text": "x",'
            b' "start": 2, "end": 1}]}',
            r"phrases\[0\].*before start",
        ),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [{"id": "a", "text": 5,'
            b' "start": 0, "end": 1}]}',
            r"phrases\[0\]\.text: expected str",
        ),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [], "indicators":'
            b' [{"id": "i", "phrase_id": "nope"}]}',
            "unknown phrase",
        ),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [{"id": "a", "text": "x",'
            b' "start": 0, "end": 1}], "indicators": [{"id": "i", "phrase_id": "a",'
            b' "style": "glitter"}]}',
            "unknown style",
        ),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [{"id": "a", "text": "x",'
            b' "start": 0, "end": 1, "visual": false, "not_visual_reason": "boring"}]}',
            "unknown reason",
        ),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [{"id": "a", "text": "x",'
            b' "start": 0, "end": 1, "visual": false}]}',
            "not-visual reason exactly when",
        ),
        (
            b'{"format": "narrlocal-project", "version": 1, "phrases": [{"id": "a", "text": "x",'
            b' "start": 0, "end": 1}], "indicators": [{"id": "i", "phrase_id": "a",'
            b' "heatmaps": [{"time": 0, "shape": [2, 2], "data": "AAA="}]}]}',
            "values for a 2x2 grid",
        ),
    ],
)
def test_corrupt_files_give_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.narrlocal"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=message) as info:
        load_project(path)
    assert "bad.narrlocal" in str(info.value)
    assert path.read_bytes() == content


def test_missing_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="no such file"):
        load_project(tmp_path / "nope.narrlocal")
    with pytest.raises(ProjectFileError, match="folder"):
        load_project(tmp_path)
    with pytest.raises(ProjectFileError, match="folder"):
        save_project(Project(), tmp_path)


def test_newer_version_is_refused_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "future.narrlocal"
    doc = project_to_json(Project())
    doc["version"] = FORMAT_VERSION + 1
    content = json.dumps(doc).encode()
    path.write_bytes(content)
    with pytest.raises(ProjectVersionError, match="newer NarrLocal"):
        load_project(path)
    with pytest.raises(ProjectVersionError, match="Not saving over"):
        save_project(Project(), path)
    assert path.read_bytes() == content


def test_older_minimal_document_gets_defaults(tmp_path: Path) -> None:
    path = tmp_path / "min.narrlocal"
    path.write_text('{"format": "narrlocal-project", "version": 1}', encoding="utf-8")
    proj = load_project(path)
    assert proj == Project()


def test_explicit_null_default_duration_means_phrase_span(tmp_path: Path) -> None:
    path = tmp_path / "n.narrlocal"
    path.write_text(
        '{"format": "narrlocal-project", "version": 1, "display": {"default_duration": null}}',
        encoding="utf-8",
    )
    assert load_project(path).display.default_duration is None


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ('"inferno"', HeatColors.INFERNO),
        ('"turbo"', HeatColors.TURBO),
        (None, HeatColors.TURBO),  # absent: files from before the setting
        ('"cividis"', HeatColors.TURBO),  # a newer version's name: the default, not an error
    ],
)
def test_heat_map_colours_are_read_leniently(
    tmp_path: Path, stored: str | None, read: HeatColors
) -> None:
    path = tmp_path / "h.narrlocal"
    display = "{}" if stored is None else f'{{"heatmap_colors": {stored}}}'
    path.write_text(
        f'{{"format": "narrlocal-project", "version": 1, "display": {display}}}', encoding="utf-8"
    )
    assert load_project(path).display.heatmap_colors is read


def test_heat_map_colours_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "r.narrlocal"
    save_project(Project(display=DisplaySettings(heatmap_colors=HeatColors.INFERNO)), path)
    assert load_project(path).display.heatmap_colors is HeatColors.INFERNO
    with pytest.raises(ValueError):
        DisplaySettings(heatmap_colors="inferno")  # type: ignore[arg-type]


def test_looks_like_project(tmp_path: Path) -> None:
    p = tmp_path / "x.narrlocal"
    save_project(Project(), p)
    renamed = tmp_path / "x.dat"
    renamed.write_bytes(p.read_bytes())
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00 ftypisom")
    assert looks_like_project(p) and looks_like_project(renamed)
    assert not looks_like_project(video)
    assert not looks_like_project(tmp_path / "missing.mp4")


def test_phrases_of_older_files_read_as_visual(tmp_path: Path) -> None:
    path = tmp_path / "old.narrlocal"
    path.write_text(
        '{"format": "narrlocal-project", "version": 1,'
        ' "phrases": [{"id": "a", "text": "cut it", "start": 0, "end": 1}]}'
    )
    (phrase,) = load_project(path).phrases
    assert phrase.visual and phrase.not_visual_reason is None
