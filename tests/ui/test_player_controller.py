"""The player controller: clock, audio master, J/K/L, stepping, and render flow control.

The media worker is replaced by a renderer on the GUI thread whose results the test releases
when it wants, so "one render in flight" and "drop stale results" are checked exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from narrlocal_gui.core import edits
from narrlocal_gui.core.frame_times import frame_index_at
from narrlocal_gui.core.model import Indicator, Phrase, Project
from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.media_info import MediaInfo, MediaKind
from narrlocal_gui.ui.media_worker import Rendered
from narrlocal_gui.ui.player_controller import (
    CLOCK_AUDIO,
    CLOCK_MUTED,
    CLOCK_NO_DEVICE,
    CLOCK_NO_TRACK,
    PlayerController,
    ShownFrame,
)

FPS = 25.0
N_FRAMES = 100


def _info(n: int = N_FRAMES) -> MediaInfo:
    return MediaInfo(
        path=__import__("pathlib").Path("/clip.mp4"),
        kind=MediaKind.VIDEO,
        duration=n / FPS,
        width=32,
        height=16,
        fps=FPS,
        frame_count=n,
        rotation=0,
        has_audio=True,
        audio_sample_rate=8000,
        audio_channels=1,
        video_codec="h264",
        audio_codec="aac",
        size_bytes=1000,
    )


def _times(n: int = N_FRAMES) -> np.ndarray:
    return np.arange(n, dtype=np.float64) / FPS


@dataclass
class _Request:
    job: int
    t: float
    project: Project


class FakeOutput:
    """An audio device whose "seconds heard" the test sets."""

    def __init__(self, available: bool = True) -> None:
        self.available = available
        self.heard: float | None = None
        self.started: list[float] = []
        self.stopped = 0
        self.muted = False

    def start(self, track: AudioTrack, position: float, rate: float = 1.0) -> bool:
        self.started.append(position)
        self.heard = position
        return self.available

    def stop(self) -> None:
        self.stopped += 1

    def position(self) -> float | None:
        return self.heard

    def set_volume(self, volume: float) -> None:
        self.volume = volume

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

    def close(self) -> None:
        pass


@pytest.fixture
def output() -> FakeOutput:
    return FakeOutput(available=False)


@pytest.fixture
def player(qtbot: QtBot, output: FakeOutput) -> PlayerController:
    controller = PlayerController(audio_output=output)  # type: ignore[arg-type]
    requests: list[_Request] = []
    controller.requests = requests  # type: ignore[attr-defined]
    controller.render_requested.connect(
        lambda r: requests.append(_Request(r.job_id, r.t, r.project))
    )
    yield controller
    controller.close()


def _answer(player: PlayerController, request: _Request) -> np.ndarray:
    index = frame_index_at(_times(), request.t)
    image = np.full((16, 32, 3), index % 256, dtype=np.uint8)
    player.on_rendered(Rendered(request.job, request.t, index, image))
    return image


def test_opening_media_renders_the_first_frame(player: PlayerController) -> None:
    shown: list[object] = []
    player.frame_shown.connect(shown.append)
    player.set_media(_info(), _times())
    assert len(player.requests) == 1 and player.requests[0].t == 0.0
    image = _answer(player, player.requests[0])
    assert shown[-1].picture is image
    assert player.duration == pytest.approx(N_FRAMES / FPS)


def test_one_render_in_flight_and_the_latest_frame_wins(player: PlayerController) -> None:
    shown: list[ShownFrame] = []
    player.frame_shown.connect(shown.append)
    player.set_media(_info(), _times())
    for frame in (10, 20, 30):
        player.seek(frame / FPS)
    # Still only the first request: seeks while one is in flight do not queue renders.
    assert len(player.requests) == 1
    _answer(player, player.requests[0])
    # Its answer is stale (frame 0); the controller asks for where the clock is NOW.
    assert len(player.requests) == 2
    assert frame_index_at(_times(), player.requests[1].t) == 30
    _answer(player, player.requests[1])
    assert int(shown[-1].picture[0, 0, 0]) == 30
    assert len(player.requests) == 2  # nothing more wanted


def test_results_of_an_old_video_are_dropped(player: PlayerController) -> None:
    shown: list[object] = []
    player.set_media(_info(), _times())
    old = player.requests[0]
    player.set_media(_info(50), _times(50))
    player.frame_shown.connect(shown.append)
    _answer(player, old)
    assert shown == []
    _answer(player, player.requests[-1])
    assert len(shown) == 1


def test_a_project_change_while_paused_rerenders_with_the_new_project(
    player: PlayerController,
) -> None:
    project = Project(phrases=(Phrase("p", "x", 0.0, 1.0),), indicators=(Indicator("i", "p"),))
    player.set_project(project)
    player.set_media(_info(), _times())
    _answer(player, player.requests[-1])
    count = len(player.requests)
    hidden = edits.set_indicator_enabled(project, "i", False)
    player.set_project(hidden)
    assert len(player.requests) == count + 1
    assert player.requests[-1].project is hidden


def test_a_result_rendered_before_a_project_change_is_not_shown(
    player: PlayerController,
) -> None:
    shown: list[object] = []
    player.frame_shown.connect(shown.append)
    player.set_media(_info(), _times())
    first = player.requests[0]
    player.set_project(Project())  # while the first render is in flight
    _answer(player, first)
    assert shown == []
    assert player.requests[-1].project == Project()
    _answer(player, player.requests[-1])
    assert len(shown) == 1


def test_active_indicators_follow_the_position(player: PlayerController) -> None:
    project = Project(
        phrases=(Phrase("p", "x", 1.0, 2.0),),
        indicators=(Indicator("i", "p", duration_override=1.0),),
    )
    active: list[frozenset[str]] = []
    player.active_indicators_changed.connect(active.append)
    player.set_project(project)
    player.set_media(_info(), _times())
    player.seek(1.5)
    player.seek(2.5)
    assert active == [frozenset({"i"}), frozenset()]


def test_play_advances_with_the_wall_clock_and_stops_at_the_end(
    player: PlayerController, qtbot: QtBot
) -> None:
    player.set_media(_info(10), _times(10))  # 0.4 s
    playing: list[bool] = []
    player.playing_changed.connect(playing.append)
    player.play()
    assert player.playing and player.clock_source == CLOCK_NO_TRACK
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)
    assert playing == [True, False]
    assert player.position() == pytest.approx(0.4)


def test_step_is_exact_and_pauses(player: PlayerController) -> None:
    player.set_media(_info(), _times())
    player.seek(0.5)
    player.step(1)
    assert frame_index_at(_times(), player.position()) == 13
    assert player.position() == pytest.approx(13 / FPS)
    player.step(-3)
    assert frame_index_at(_times(), player.position()) == 10
    player.play()
    player.step(1)
    assert not player.playing
    player.to_end()
    assert player.frame_index() == N_FRAMES - 1
    player.to_start()
    assert player.position() == 0.0
    player.jump(2.0)
    assert player.position() == pytest.approx(2.0)


def test_jkl_shuttle(player: PlayerController) -> None:
    player.set_media(_info(), _times())
    rates: list[float] = []
    player.rate_changed.connect(rates.append)
    player.seek(2.0)
    player.shuttle("l")
    assert player.playing and player.rate == 1.0
    player.shuttle("l")
    assert player.rate == 2.0
    player.shuttle("j")
    assert player.playing and player.rate == -1.0
    player.shuttle("k")
    assert not player.playing
    assert rates == [2.0, -1.0]


def test_reverse_play_moves_backwards(player: PlayerController, qtbot: QtBot) -> None:
    player.set_media(_info(), _times())
    player.seek(2.0)
    player.shuttle("j")
    qtbot.waitUntil(lambda: player.position() < 1.9, timeout=3000)
    player.pause()


def test_scrubbing_pauses_and_resumes(player: PlayerController) -> None:
    player.set_media(_info(), _times())
    player.play()
    player.begin_scrub()
    assert not player.playing
    player.seek(1.0)
    player.end_scrub()
    assert player.playing
    player.pause()
    player.begin_scrub()
    player.end_scrub()
    assert not player.playing


def test_audio_drives_the_clock_at_1x_when_it_can(qtbot: QtBot) -> None:
    output = FakeOutput(available=True)
    player = PlayerController(audio_output=output)  # type: ignore[arg-type]
    try:
        track = AudioTrack(np.zeros((8000 * 4, 1), dtype=np.float32), 8000)
        player.set_media(_info(), _times(), track)
        player.seek(1.0)
        player.play()
        assert player.clock_source == CLOCK_AUDIO
        assert output.started == [pytest.approx(1.0, abs=0.05)]
        output.heard = 2.5
        assert player.position() == pytest.approx(2.5)
        # Muted: the wall clock takes over from where the sound was.
        player.set_muted(True)
        assert player.clock_source == CLOCK_MUTED and output.muted
        output.heard = 3.9
        assert player.position() == pytest.approx(2.5, abs=0.1)
        player.set_muted(False)
        assert player.clock_source == CLOCK_AUDIO
        # Any speed but 1x: wall clock.
        player.set_speed(2.0)
        assert "2× speed" in player.clock_source
        player.set_speed(1.0)
        # Seeking while playing restarts the sound there.
        player.seek(0.5)
        assert output.started[-1] == pytest.approx(0.5, abs=0.05)
        player.pause()
        assert not player.playing
    finally:
        player.close()


def test_no_device_means_wall_clock(player: PlayerController, output: FakeOutput) -> None:
    track = AudioTrack(np.zeros((8000, 1), dtype=np.float32), 8000)
    player.set_media(_info(), _times(), track)
    player.play()
    assert player.clock_source == CLOCK_NO_DEVICE
    assert player.playing
    player.pause()
