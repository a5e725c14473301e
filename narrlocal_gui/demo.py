"""The built-in demo: a short narrated clip made from public-domain photos, with its project.

A newcomer should be able to see every feature without owning a narrated video, and without
anything being downloaded. So the demo is generated on the user's machine from four photos
that scikit-image ships inside its wheel (their licences are in :data:`PHOTO_CREDITS`):

* each shot is a slow Ken Burns pan/zoom over one photo, with crossfades between shots;
* eight narrated phrases name real things in the photos ("the cat's green eyes", ...);
* each phrase has an indicator, using every indicator style at least once, with a score and,
  for one of them, a per-indicator duration override;
* because the camera motion is known exactly, every box track follows its object through the
  motion exactly: the object's box in photo pixels is mapped by the frame's affine transform;
  the heat-map indicator also gets a small heat grid per sampled time.

There is no speech synthesizer to rely on offline, so the narration is given as TEXT (the
captions: one segment per phrase, with word times spread over the phrase) and is not spoken.
The soundtrack is honest about that: quiet room tone with a soft chime at the start of each
phrase, so the waveform still shows the phrase structure.

Generation takes a few seconds; :func:`ensure_demo_project` does it once per NarrLocal
version into the user cache and reuses it afterwards.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import platformdirs

from narrlocal_gui import __version__
from narrlocal_gui.core.model import (
    PALETTE,
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Narration,
    Phrase,
    Project,
    Segment,
    TrackPoint,
    VideoRef,
    Word,
)
from narrlocal_gui.core.project_io import PROJECT_SUFFIX, load_project, save_project
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.writer import write_video

__all__ = [
    "DEMO_FPS",
    "DEMO_SIZE",
    "PHOTO_CREDITS",
    "PROJECT_NAME",
    "VIDEO_NAME",
    "Progress",
    "build_demo_project",
    "demo_cache_dir",
    "ensure_demo_project",
]

Progress = Callable[[float], None]
"""Called with the fraction done, 0.0 to 1.0, from the thread doing the work."""

Frame = npt.NDArray[np.uint8]

#: Frame size (width, height) and rate of the demo clip. 960x540 rather than 1280x720: the
#: photos are at most 640 px wide, so a larger frame would only add encoding time.
DEMO_SIZE: tuple[int, int] = (960, 540)
DEMO_FPS = 25
SAMPLE_RATE = 48_000

VIDEO_NAME = "narrlocal-demo.mp4"
PROJECT_NAME = "narrlocal-demo" + PROJECT_SUFFIX

#: The photos used and why they may be: only files that scikit-image documents as public
#: domain or CC0 (its ``skimage.data`` docstrings; motorcycle_left.png, from the Middlebury
#: stereo benchmark, carries no such licence and is not used).
PHOTO_CREDITS: dict[str, str] = {
    "coffee.png": "Coffee cup, courtesy of Pikolo Espresso Bar; CC0 by Rachel Michetti.",
    "astronaut.png": "Eileen Collins, NASA Great Images database; public domain.",
    "chelsea.png": "Chelsea the cat; CC0 by Stefan van der Walt.",
    "rocket.jpg": "DSCOVR on Falcon 9 at SLC-40, SpaceX photo; released into the public domain.",
}

_WIDTH, _HEIGHT = DEMO_SIZE
_CROSSFADE = 0.8  # seconds two shots overlap
_EDGE_FADE = 0.6  # fade from black at the start and to black at the end
_TRACK_STEP = 4  # a track point every this many frames (motion is smooth; boxes lerp)
_HEAT_STEP = 8  # a heat grid every this many frames
_HEAT_GRID = 14  # heat grids are 14x14, the resolution of a typical localizer


# --------------------------------------------------------------------------------------------
# the script: shots (camera paths over photos) and the things the narration points at
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _View:
    """A camera keyframe: the part of the photo that fills the frame ``t`` s into the shot.

    ``width`` is in photo pixels; the height follows from the frame's aspect ratio. Views are
    chosen to stay inside the photo, so the frame never shows a border.
    """

    t: float
    cx: float
    cy: float
    width: float


@dataclass(frozen=True, slots=True)
class _Shot:
    photo: str
    start: float
    end: float
    views: tuple[_View, ...]

    def window(self, t: float) -> tuple[float, float, float]:
        """(x0, y0, scale) at media time ``t``: photo point (x, y) is frame point
        ((x - x0) * scale, (y - y0) * scale)."""
        rel = min(max(t - self.start, 0.0), self.end - self.start)
        views = self.views
        k = 0
        while k + 1 < len(views) - 1 and views[k + 1].t <= rel:
            k += 1
        a, b = views[k], views[min(k + 1, len(views) - 1)]
        u = 0.0 if b.t <= a.t else min(max((rel - a.t) / (b.t - a.t), 0.0), 1.0)
        u = u * u * (3.0 - 2.0 * u)  # ease in and out: the camera never jerks
        cx = a.cx + (b.cx - a.cx) * u
        cy = a.cy + (b.cy - a.cy) * u
        # Zoom geometrically, so that the apparent speed of the zoom is even.
        width = a.width * (b.width / a.width) ** u
        height = width * _HEIGHT / _WIDTH
        return cx - width / 2.0, cy - height / 2.0, _WIDTH / width


@dataclass(frozen=True, slots=True)
class _Thing:
    """A narrated phrase and the object it names.

    ``parts`` are the object's boxes in photo pixels (x1, y1, x2, y2), found by looking at
    the photos; the indicator's box is their union (two for the cat's two eyes, so the heat
    map has two peaks).
    """

    text: str
    shot: int
    at: float  # phrase start, seconds into the shot
    parts: tuple[tuple[float, float, float, float], ...]
    style: IndicatorStyle
    score: float
    duration: float | None = None


_SHOTS: tuple[_Shot, ...] = (
    _Shot("coffee.png", 0.0, 7.0, (_View(0.0, 300, 170, 600), _View(7.0, 310, 170, 566))),
    _Shot(
        "astronaut.png",
        6.2,
        15.2,
        (
            _View(0.0, 228, 142, 420),
            _View(3.4, 236, 150, 446),
            _View(5.4, 236, 342, 452),
            _View(9.0, 226, 350, 420),
        ),
    ),
    _Shot("chelsea.png", 14.4, 21.9, (_View(0.0, 225.5, 150, 451), _View(7.5, 248, 178, 340))),
    _Shot(
        "rocket.jpg",
        21.1,
        29.1,
        (
            _View(0.0, 320, 266, 530),
            _View(3.6, 321, 266, 516),
            _View(6.4, 322, 178, 320),
            _View(8.0, 322, 172, 300),
        ),
    ),
)

_THINGS: tuple[_Thing, ...] = (
    _Thing("Look at the cup of coffee", 0, 0.6, ((172, 18, 410, 307),), IndicatorStyle.BOX, 0.93),
    _Thing(
        "the spoon resting on the saucer",
        0,
        3.2,
        ((324, 66, 425, 326),),
        IndicatorStyle.BRIGHTEN,
        0.81,
    ),
    _Thing(
        "the astronaut's smiling face",
        1,
        0.4,
        ((178, 76, 272, 185),),
        IndicatorStyle.SPOTLIGHT,
        0.95,
    ),
    _Thing(
        "the mission patch on her suit",
        1,
        5.0,
        ((134, 348, 208, 423),),
        IndicatorStyle.GRAYSCALE,
        0.77,
    ),
    _Thing(
        "the cat's green eyes",
        2,
        0.6,
        ((136, 85, 208, 149), (294, 110, 343, 165)),
        IndicatorStyle.HEATMAP,
        0.88,
    ),
    # The one indicator with its own display time, so the override is visible in the demo.
    _Thing(
        "its pink nose",
        2,
        3.8,
        ((238, 226, 292, 266),),
        IndicatorStyle.DARKEN,
        0.72,
        duration=1.5,
    ),
    _Thing(
        "the rocket on the launch pad",
        3,
        0.6,
        ((308, 126, 337, 408),),
        IndicatorStyle.TINT,
        0.9,
    ),
    _Thing(
        "and the nose cone on top",
        3,
        4.4,
        ((309, 126, 336, 180),),
        IndicatorStyle.BOX,
        0.69,
    ),
)

#: The clip's length: the last shot ends with a fade to black.
DEMO_DURATION = _SHOTS[-1].end


# --------------------------------------------------------------------------------------------
# pictures
# --------------------------------------------------------------------------------------------
def _load_photo(name: str) -> Frame:
    """One of scikit-image's bundled photos as RGB, found through the package (never a
    hard-coded site-packages path, so it works in a venv, a wheel install and a bundle)."""
    try:
        data = (files("skimage.data") / name).read_bytes()
    except (ModuleNotFoundError, OSError) as exc:
        raise UserFacingError(
            f"Cannot build the demo: the photo '{name}' that scikit-image ships is missing "
            f"({exc}). Reinstall scikit-image."
        ) from exc
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserFacingError(f"Cannot build the demo: the photo '{name}' cannot be decoded.")
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)


def _shot_alpha(index: int, t: float) -> float:
    """How much of shot ``index`` is in the frame at ``t`` (crossfades and edge fades)."""
    shot = _SHOTS[index]
    if not (shot.start <= t < shot.end):
        return 0.0
    fade_in = _EDGE_FADE if index == 0 else _CROSSFADE
    fade_out = _EDGE_FADE if index == len(_SHOTS) - 1 else _CROSSFADE
    return min(1.0, (t - shot.start) / fade_in, (shot.end - t) / fade_out)


def _warp(photo: Frame, shot: _Shot, t: float) -> Frame:
    x0, y0, s = shot.window(t)
    # warpAffine maps pixel CENTRES (index i is the point i + 0.5 in continuous coordinates),
    # so the half-pixel shifts keep the picture exactly where the box mapping puts it.
    matrix = np.array(
        [[s, 0.0, (0.5 - x0) * s - 0.5], [0.0, s, (0.5 - y0) * s - 0.5]], dtype=np.float64
    )
    out = cv2.warpAffine(
        photo, matrix, (_WIDTH, _HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(out, dtype=np.uint8)


def _frames(photos: list[Frame], progress: Progress | None, share: float) -> Iterator[Frame]:
    count = _frame_count()
    black = np.zeros((_HEIGHT, _WIDTH, 3), dtype=np.uint8)
    for i in range(count):
        t = i / DEMO_FPS
        layers = [(k, _shot_alpha(k, t)) for k in range(len(_SHOTS))]
        layers = [(k, a) for k, a in layers if a > 0.0]
        if not layers:
            frame = black
        elif len(layers) == 1 and layers[0][1] >= 1.0:
            frame = _warp(photos[layers[0][0]], _SHOTS[layers[0][0]], t)
        else:
            acc = np.zeros((_HEIGHT, _WIDTH, 3), dtype=np.float32)
            for k, a in layers:
                acc += _warp(photos[k], _SHOTS[k], t).astype(np.float32) * np.float32(a)
            frame = np.clip(acc + 0.5, 0, 255).astype(np.uint8)
        yield frame
        if progress is not None and i % 25 == 0:
            progress(share * i / count)


def _frame_count() -> int:
    return round(DEMO_DURATION * DEMO_FPS)


# --------------------------------------------------------------------------------------------
# sound
# --------------------------------------------------------------------------------------------
def _soundtrack(chimes: list[float]) -> npt.NDArray[np.float32]:
    """Stereo (N, 2) float32: soft pink room tone plus a decaying chord at each ``chimes``."""
    n = round(DEMO_DURATION * SAMPLE_RATE)
    rng = np.random.default_rng(20240611)  # fixed: the same demo every time
    # Room tone: white noise shaped to pink (1/sqrt(f)) with the rumble below 60 Hz removed,
    # at about -50 dBFS, so the waveform is quiet but not a dead flat line.
    spectrum = np.fft.rfft(rng.standard_normal((2, n)), axis=1)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    shape = np.where(freqs > 60.0, 1.0 / np.sqrt(np.maximum(freqs, 1.0)), 0.0)
    tone = np.fft.irfft(spectrum * shape, n=n, axis=1).T
    tone *= 0.003 / max(float(np.sqrt(np.mean(tone**2))), 1e-12)
    out = tone.astype(np.float32)

    # The chime: an A-major chord with a faint octave, 8 ms attack (no click), 0.5 s decay.
    length = int(2.5 * SAMPLE_RATE)
    tt = np.arange(length) / SAMPLE_RATE
    envelope = np.minimum(tt / 0.008, 1.0) * np.exp(-tt / 0.5)
    chord = sum(
        amp * np.sin(2.0 * math.pi * f * tt)
        for f, amp in ((880.0, 0.10), (1108.73, 0.07), (1318.51, 0.06), (1760.0, 0.02))
    )
    chime = (envelope * chord).astype(np.float32)
    for start in chimes:
        i = round(start * SAMPLE_RATE)
        j = min(n, i + length)
        if i < j:
            out[i:j] += chime[: j - i, None]

    ramp = int(_EDGE_FADE * SAMPLE_RATE)
    fade = np.linspace(0.0, 1.0, ramp, dtype=np.float32)[:, None]
    out[:ramp] *= fade
    out[n - ramp :] *= fade[::-1]
    result: npt.NDArray[np.float32] = np.clip(out, -1.0, 1.0)
    return result


# --------------------------------------------------------------------------------------------
# the project
# --------------------------------------------------------------------------------------------
def _phrase_span(thing: _Thing) -> tuple[float, float]:
    start = _SHOTS[thing.shot].start + thing.at
    # About the pace of calm narration: 0.3 s a word plus a breath.
    return start, start + 0.3 * len(thing.text.split()) + 0.3


def _words(text: str, start: float, end: float) -> tuple[Word, ...]:
    """The phrase's words spread over its span in proportion to their length."""
    tokens = text.split()
    weights = [len(w) + 1 for w in tokens]
    total = float(sum(weights))
    words: list[Word] = []
    t = start
    for token, weight in zip(tokens, weights, strict=True):
        span = (end - start) * weight / total
        words.append(Word(token, round(t, 3), round(t + span * 0.9, 3)))
        t += span
    return tuple(words)


def _map_box(shot: _Shot, box: tuple[float, float, float, float], t: float) -> Box:
    x0, y0, s = shot.window(t)
    x1, y1, x2, y2 = box
    return Box((x1 - x0) * s, (y1 - y0) * s, (x2 - x0) * s, (y2 - y0) * s)


def _union(parts: tuple[tuple[float, float, float, float], ...]) -> tuple[float, ...]:
    return (
        min(p[0] for p in parts),
        min(p[1] for p in parts),
        max(p[2] for p in parts),
        max(p[3] for p in parts),
    )


def _sample_times(start: float, end: float, step: int) -> list[float]:
    """Frame times every ``step`` frames covering [start, end], both ends included."""
    first = math.floor(start * DEMO_FPS)
    last = math.ceil(end * DEMO_FPS)
    indices = list(range(first, last + 1, step))
    if indices[-1] != last:
        indices.append(last)
    return [i / DEMO_FPS for i in indices]


def _heat_grid(shot: _Shot, thing: _Thing, t: float) -> npt.NDArray[np.float32]:
    """A 14x14 heat grid over the whole frame: a Gaussian over each part of the object."""
    centres = (np.arange(_HEAT_GRID, dtype=np.float64) + 0.5) / _HEAT_GRID
    gx = centres * _WIDTH
    gy = centres * _HEIGHT
    grid = np.zeros((_HEAT_GRID, _HEAT_GRID), dtype=np.float64)
    for part in thing.parts:
        b = _map_box(shot, part, t)
        cx, cy = (b.x1 + b.x2) / 2.0, (b.y1 + b.y2) / 2.0
        # Wider than a cell, or the blob would vanish between grid points.
        sx = max(b.width * 0.4, _WIDTH / _HEAT_GRID * 0.6)
        sy = max(b.height * 0.4, _HEIGHT / _HEAT_GRID * 0.6)
        blob = np.exp(-0.5 * (((gx[None, :] - cx) / sx) ** 2 + ((gy[:, None] - cy) / sy) ** 2))
        grid = np.maximum(grid, blob)
    peak = float(grid.max())
    out: npt.NDArray[np.float32] = (grid / peak if peak > 0 else grid).astype(np.float32)
    return out


def _indicator(index: int, thing: _Thing, phrase: Phrase, settings: DisplaySettings) -> Indicator:
    shot = _SHOTS[thing.shot]
    duration = thing.duration if thing.duration is not None else settings.default_duration
    shown_until = max(phrase.end, phrase.start + (duration or 0.0))
    # The track covers the time the indicator is shown; the object is inside the frame for
    # all of it (tests check that), and clipping only guards against rounding.
    union = _union(thing.parts)
    track: list[TrackPoint] = []
    for t in _sample_times(phrase.start, shown_until, _TRACK_STEP):
        box = _map_box(shot, (union[0], union[1], union[2], union[3]), t).clipped(_WIDTH, _HEIGHT)
        if box is not None:
            track.append(TrackPoint(round(t, 4), box))
    heatmaps: tuple[HeatSample, ...] = ()
    if thing.style is IndicatorStyle.HEATMAP:
        heatmaps = tuple(
            HeatSample(round(t, 4), _heat_grid(shot, thing, t))
            for t in _sample_times(phrase.start, shown_until, _HEAT_STEP)
        )
    return Indicator(
        id=f"demo-i{index + 1}",
        phrase_id=phrase.id,
        style=thing.style,
        duration_override=thing.duration,
        color=PALETTE[index % len(PALETTE)],
        track=tuple(track),
        heatmaps=heatmaps,
        score=thing.score,
    )


def _project(video_path: Path, size_bytes: int) -> Project:
    settings = DisplaySettings()
    phrases: list[Phrase] = []
    segments: list[Segment] = []
    indicators: list[Indicator] = []
    for k, thing in enumerate(_THINGS):
        start, end = _phrase_span(thing)
        phrase = Phrase(f"demo-p{k + 1}", thing.text, round(start, 3), round(end, 3))
        phrases.append(phrase)
        segments.append(
            Segment(thing.text, phrase.start, phrase.end, _words(thing.text, start, end))
        )
        indicators.append(_indicator(k, thing, phrase, settings))
    return Project(
        video=VideoRef(
            path=str(video_path),
            duration=_frame_count() / DEMO_FPS,
            width=_WIDTH,
            height=_HEIGHT,
            fps=float(DEMO_FPS),
            size_bytes=size_bytes,
        ),
        narration=Narration(segments=tuple(segments), language="en", source="demo"),
        phrases=tuple(phrases),
        indicators=tuple(indicators),
        display=settings,
    )


def _write_clip(path: Path, frames: Iterator[Frame], samples: npt.NDArray[np.float32]) -> None:
    # crf 23: the photos are upscaled, so finer quantisation would only cost time and size.
    write_video(path, frames, DEMO_FPS, DEMO_SIZE, audio=AudioTrack(samples, SAMPLE_RATE), crf=23)


def build_demo_project(folder: Path, progress: Progress | None = None) -> Path:
    """Render the demo clip and write its project into ``folder`` (created if needed).

    Writes ``narrlocal-demo.mp4`` and ``narrlocal-demo.narrlocal``, each atomically, replacing
    files of those names. Returns the project's path. Takes a few seconds.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    video_path = folder / VIDEO_NAME
    project_path = folder / PROJECT_NAME
    photos = [_load_photo(shot.photo) for shot in _SHOTS]
    chimes = [_phrase_span(thing)[0] for thing in _THINGS]
    _write_clip(video_path, _frames(photos, progress, 0.97), _soundtrack(chimes))
    save_project(_project(video_path.resolve(), video_path.stat().st_size), project_path)
    if progress is not None:
        progress(1.0)
    return project_path


# --------------------------------------------------------------------------------------------
# the cached copy
# --------------------------------------------------------------------------------------------
def demo_cache_dir() -> Path:
    """Where :func:`ensure_demo_project` keeps the demo: one folder per NarrLocal version,
    so an upgrade with a different demo never reuses a stale one."""
    return Path(platformdirs.user_cache_dir("NarrLocal")) / f"demo-{__version__}"


def _is_intact(folder: Path) -> bool:
    """True when ``folder`` holds a demo that loads and whose clip is the one it describes."""
    project_path = folder / PROJECT_NAME
    video_path = folder / VIDEO_NAME
    try:
        project = load_project(project_path)
        if project.video is None or Path(project.video.path).resolve() != video_path.resolve():
            return False
        # A truncated or replaced clip has another size; this catches it without decoding.
        return video_path.stat().st_size == project.video.size_bytes
    except (UserFacingError, OSError):
        return False


def ensure_demo_project(progress: Progress | None = None, *, rebuild: bool = False) -> Path:
    """The demo project in the user cache, generated on first use, when damaged, or when
    ``rebuild`` is true.

    Generation is atomic: the demo is built in a temporary folder beside the final one and
    renamed into place, so an interrupted run never leaves a half-written demo that a later
    run would trust. Two processes racing both build; the first rename wins and the other
    uses the winner's copy.
    """
    target = demo_cache_dir()
    if not rebuild and _is_intact(target):
        if progress is not None:
            progress(1.0)
        return target / PROJECT_NAME
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=parent))
    try:
        build_demo_project(build, progress)
        if target.exists() or target.is_symlink():
            if not rebuild and _is_intact(target):  # another process finished first
                return target / PROJECT_NAME
            # Move the old copy aside first: a rename cannot replace a non-empty folder.
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale-", dir=parent))
            target.replace(stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            build.rename(target)
        except OSError:
            if _is_intact(target):  # lost a race to another process: use its copy
                return target / PROJECT_NAME
            raise
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    project_path = target / PROJECT_NAME
    # The file also records the clip's absolute path (a fallback for when the project is
    # moved without it), and that was the build folder's; save once more to record the final
    # one. If this fails the demo still works: the relative path is tried first.
    with contextlib.suppress(UserFacingError, OSError):
        save_project(load_project(project_path), project_path)
    return project_path
