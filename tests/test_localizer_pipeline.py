"""localizer/pipeline.py: settings, results as project data, the long-lived localizer (one
load, CUDA out-of-memory falls back to the CPU), progress and cancel between phrases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.pipeline import (
    ABORT_AFTER_FAILURES,
    FailureTally,
    PhraseFailure,
    PhraseLocalizer,
    PhraseResult,
    covered_seconds,
    failure_reason,
    localization_to_result,
    localize_phrases,
    resolve_device,
)
from narrlocal_gui.localizer.settings import LocalizeSettings
from narrlocal_gui.localizer.types import ClipInput, Localization
from narrlocal_gui.progress import Cancelled
from tests.media_factory import make_counter_clip


class OutOfMemoryError(RuntimeError):
    """Named like torch.cuda.OutOfMemoryError, which the pipeline recognises by name too."""


class FakeMethod:
    """A box in the top-left quarter of every frame; records what it was given."""

    name = "fake"

    def __init__(self, device: str, log: list[str], fail_on: str | None = None) -> None:
        self.device = device
        self.log = log
        self.fail_on = fail_on
        self.media: list[Any] = []

    def localize(
        self, clip: ClipInput, phrase: str, *, media: Any = None, cancel: Any = None
    ) -> Localization:
        self.log.append(f"{self.device}:{phrase}")
        self.media.append(media)
        if self.fail_on is not None and self.device == self.fail_on:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        if cancel is not None and cancel():
            raise Cancelled()
        n = len(clip.times)
        w, h = clip.size
        heat = np.zeros((n, 4, 6), dtype=np.float32)
        heat[:, 0, 0] = 1.0
        return Localization(
            times=clip.times,
            heatmaps=heat,
            points=np.tile([w / 4, h / 4], (n, 1)),
            boxes=np.tile([-5.0, 0.0, w / 2, h / 2], (n, 1)),  # x1 < 0: cut to the frame
            scores=np.linspace(0, 1, n, dtype=np.float32),
        )


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pipeline")
    return make_counter_clip(folder / "clip.mp4", n_frames=150, fps=30, size=(160, 96))


PHRASES = (Phrase("a", "pick up the cup", 0.5, 1.5), Phrase("b", "put it down", 3.0, 4.0))


def _localizer(
    settings: LocalizeSettings, log: list[str], fail_on: str | None = None
) -> tuple[PhraseLocalizer, list[FakeMethod]]:
    made: list[FakeMethod] = []

    def factory(name: str, device: str) -> FakeMethod:
        made.append(FakeMethod(device, log, fail_on))
        return made[-1]

    return PhraseLocalizer(settings, method_factory=factory), made


def test_settings_are_validated() -> None:
    LocalizeSettings()
    assert LocalizeSettings(method="flow").method_name == "flow"
    for bad in (
        {"method": "magic"},
        {"window": -1.0},
        {"fps": 0.0},
        {"fps": float("nan")},
        {"device": "tpu"},
        {"max_side": 8},
        {"heatmaps_per_second": 0.0},
        {"checkpoint": ""},
    ):
        with pytest.raises(ValueError):
            LocalizeSettings(**bad)  # type: ignore[arg-type]


def test_resolve_device_cpu_needs_no_torch() -> None:
    assert resolve_device("cpu") == ("cpu", "CPU")
    device, notice = resolve_device("auto")
    assert device in ("cpu", "cuda", "mps") and notice
    with pytest.raises(ValueError):
        resolve_device("gpu")


def test_asking_for_a_missing_gpu_is_a_user_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(UserFacingError, match="--device cpu"):
        resolve_device("cuda")


def test_localization_to_result() -> None:
    times = np.arange(0.0, 10.0, 0.25)  # 4 frames/s
    n = len(times)
    loc = Localization(
        times=times,
        heatmaps=np.full((n, 2, 3), 0.5, dtype=np.float64),
        points=np.zeros((n, 2)),
        boxes=np.tile([10.0, 10.0, 500.0, 40.0], (n, 1)),
        scores=(times >= 4.0).astype(np.float32),
    )
    phrase = Phrase("p", "x", 4.0, 5.0)
    result = localization_to_result(
        loc, phrase, 1.5, window=1.0, heatmaps_per_second=2.0, frame_size=(320, 240)
    )
    track_times = [p.time for p in result.track]
    assert track_times[0] == 3.0 - 0.5 and track_times[-1] == 6.0 + 0.5  # edge tolerance
    assert all(p.box.x2 == 320 and not p.human for p in result.track)
    heat_times = [h.time for h in result.heatmaps]
    assert np.allclose(np.diff(heat_times), 0.5)  # thinned from 4/s to 2/s
    assert all(h.grid.dtype == np.float32 for h in result.heatmaps)
    assert result.score == 1.0 and result.seconds == 1.5


def test_localization_to_result_without_frames_in_the_window_keeps_the_nearest() -> None:
    loc = Localization(
        times=np.array([0.0]),
        heatmaps=np.ones((1, 2, 2), dtype=np.float32),
        points=np.zeros((1, 2)),
        boxes=np.array([[0.0, 0.0, 5.0, 5.0]]),
        scores=np.array([0.25], dtype=np.float32),
    )
    result = localization_to_result(loc, Phrase("p", "x", 30.0, 31.0), 0.0, window=1.0)
    assert len(result.track) == 1 and len(result.heatmaps) == 1 and result.score == 0.25


def test_covered_seconds_is_the_union_of_the_windows() -> None:
    phrases = [Phrase("a", "x", 10, 12), Phrase("b", "y", 13, 14), Phrase("c", "z", 40, 41)]
    assert covered_seconds(phrases, 5.0) == pytest.approx((19 - 5) + (46 - 35))
    assert covered_seconds(phrases, 5.0, duration=42.0) == pytest.approx(14 + 7)
    assert covered_seconds([Phrase("a", "x", 1, 2)], 5.0) == pytest.approx(7)
    assert covered_seconds([], 5.0) == 0.0


def test_localizer_loads_once_and_passes_the_fingerprint(video: Path) -> None:
    log: list[str] = []
    settings = LocalizeSettings(method="bridge", device="cpu", window=1.0, fps=2.0)
    localizer, made = _localizer(settings, log)
    with localizer:
        first = localizer.localize(video, PHRASES[0])
        second = localizer.localize(video, PHRASES[1])
        assert localizer.device_notice == "CPU"
    assert len(made) == 1 and log == ["cpu:pick up the cup", "cpu:put it down"]
    fingerprints = made[0].media
    assert fingerprints[0] is not None and fingerprints[0] == fingerprints[1]
    for result, phrase in ((first, PHRASES[0]), (second, PHRASES[1])):
        assert isinstance(result, PhraseResult) and result.phrase_id == phrase.id
        assert result.track and result.heatmaps and result.score is not None
        assert all(0 <= p.box.x1 < p.box.x2 <= 160 and p.box.y2 <= 96 for p in result.track)
        times = [p.time for p in result.track]
        assert times[0] >= phrase.start - 1.5 and times[-1] <= phrase.end + 1.5


def test_cuda_out_of_memory_retries_on_the_cpu_and_stays_there(
    video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrlocal_gui.localizer.pipeline as pipeline

    monkeypatch.setattr(pipeline, "resolve_device", lambda pref: ("cuda", "GPU (CUDA): Fake"))
    log: list[str] = []
    settings = LocalizeSettings(method="bridge", device="auto", window=1.0)
    localizer, made = _localizer(settings, log, fail_on="cuda")
    assert localizer.device_notice == "GPU (CUDA): Fake"
    results = localize_phrases(video, PHRASES, settings, localizer=localizer)
    localizer.close()
    assert [r.phrase_id for r in results] == ["a", "b"]
    assert log == ["cuda:pick up the cup", "cpu:pick up the cup", "cpu:put it down"]
    assert [m.device for m in made] == ["cuda", "cpu"]
    assert localizer.device == "cpu" and "ran out of memory" in localizer.device_notice


def test_other_errors_are_not_swallowed(video: Path) -> None:
    def factory(name: str, device: str) -> Any:
        class Broken:
            name = "broken"

            def localize(
                self, clip: ClipInput, phrase: str, *, media: Any = None, cancel: Any = None
            ) -> Localization:
                raise RuntimeError("a bug")

        return Broken()

    settings = LocalizeSettings(method="bridge", device="cpu", window=1.0)
    with PhraseLocalizer(settings, method_factory=factory) as localizer:  # noqa: SIM117
        with pytest.raises(RuntimeError, match="a bug"):
            localizer.localize(video, PHRASES[0])


def test_progress_results_and_cancel_between_phrases(video: Path) -> None:
    log: list[str] = []
    settings = LocalizeSettings(method="bridge", device="cpu", window=1.0)
    localizer, _ = _localizer(settings, log)
    seen: list[tuple[int, int, float | None]] = []
    streamed: list[PhraseResult] = []
    results = localize_phrases(
        video,
        PHRASES,
        settings,
        progress=lambda d, t, e: seen.append((d, t, e)),
        on_result=streamed.append,
        localizer=localizer,
    )
    assert streamed == results and len(results) == 2
    assert [s[:2] for s in seen] == [(0, 2), (1, 2), (2, 2)]
    assert seen[0][2] is None and seen[1][2] is not None and seen[2][2] == 0.0

    # Cancelled after the first phrase: the first result is kept, nothing is raised.
    results = localize_phrases(
        video,
        PHRASES,
        settings,
        cancel=lambda: len(streamed) >= 3,
        on_result=streamed.append,
        localizer=localizer,
    )
    assert [r.phrase_id for r in results] == ["a"]
    # Cancelled from the start: nothing, and no exception.
    results = localize_phrases(video, PHRASES, settings, cancel=lambda: True, localizer=localizer)
    assert results == []
    with pytest.raises(ValueError):
        localize_phrases(video, PHRASES, LocalizeSettings(method="flow"), localizer=localizer)
    localizer.close()


class FailsOn:
    """A method that fails for the phrases named, and localizes the others."""

    name = "fails-on"

    def __init__(self, bad: set[str]) -> None:
        self.bad = bad
        self.tried: list[str] = []

    def localize(
        self, clip: ClipInput, phrase: str, *, media: Any = None, cancel: Any = None
    ) -> Localization:
        self.tried.append(phrase)
        if phrase in self.bad:
            raise RuntimeError(f"no frames for {phrase!r}")
        return FakeMethod("cpu", []).localize(clip, phrase)


def test_a_failing_phrase_is_skipped_and_reported(video: Path) -> None:
    method = FailsOn({"pick up the cup"})
    settings = LocalizeSettings(method="bridge", device="cpu", window=1.0)
    failures: list[PhraseFailure] = []
    seen: list[int] = []
    with PhraseLocalizer(settings, method_factory=lambda n, d: method) as localizer:
        results = localize_phrases(
            video,
            PHRASES,
            settings,
            progress=lambda d, t, e: seen.append(d),
            on_failure=failures.append,
            localizer=localizer,
        )
    assert [r.phrase_id for r in results] == ["b"]
    assert failures == [
        PhraseFailure("a", "pick up the cup", "RuntimeError: no frames for 'pick up the cup'")
    ]
    assert seen == [0, 1, 2]  # the skipped phrase counts as done


def test_a_run_whose_first_phrases_all_fail_ends_with_the_error(video: Path) -> None:
    phrases = tuple(Phrase(f"p{i}", f"step {i}", i * 0.5, i * 0.5 + 0.4) for i in range(6))
    method = FailsOn({p.text for p in phrases})
    settings = LocalizeSettings(method="bridge", device="cpu", window=0.5)
    failures: list[PhraseFailure] = []
    with (
        PhraseLocalizer(settings, method_factory=lambda n, d: method) as localizer,
        pytest.raises(RuntimeError, match="step 2"),
    ):
        localize_phrases(video, phrases, settings, on_failure=failures.append, localizer=localizer)
    assert method.tried == ["step 0", "step 1", "step 2"]
    assert [f.phrase_id for f in failures] == ["p0", "p1"]


def test_failures_after_a_success_never_end_the_run(video: Path) -> None:
    phrases = tuple(Phrase(f"p{i}", f"step {i}", i * 0.5, i * 0.5 + 0.4) for i in range(6))
    method = FailsOn({p.text for p in phrases[1:]})
    settings = LocalizeSettings(method="bridge", device="cpu", window=0.5)
    tally_failures: list[PhraseFailure] = []
    with PhraseLocalizer(settings, method_factory=lambda n, d: method) as localizer:
        results = localize_phrases(
            video, phrases, settings, on_failure=tally_failures.append, localizer=localizer
        )
    assert [r.phrase_id for r in results] == ["p0"]
    assert len(tally_failures) == 5


def test_failure_reasons_read_as_sentences() -> None:
    assert failure_reason(UserFacingError("Cannot read 'a.mp4'.")) == "Cannot read 'a.mp4'."
    assert failure_reason(MemoryError()) == "MemoryError"
    assert failure_reason(ValueError("bad grid")) == "ValueError: bad grid"
    tally = FailureTally()
    tally.success()
    for i in range(ABORT_AFTER_FAILURES + 2):
        tally.failure(Phrase(f"p{i}", "x", 0.0, 1.0), RuntimeError("x"))
    assert len(tally.failures) == ABORT_AFTER_FAILURES + 2


def test_flow_method_end_to_end(video: Path) -> None:
    settings = LocalizeSettings(method="flow", device="auto", window=1.0)
    results = localize_phrases(video, PHRASES, settings)
    assert [r.phrase_id for r in results] == ["a", "b"]
    assert all(r.track and r.heatmaps and r.score is not None for r in results)


def test_grid_times_are_shared_by_overlapping_windows() -> None:
    from narrlocal_gui.localizer.pipeline import grid_times

    a = grid_times(60.0, 10.3, 12.1, window=5.0, fps=2.0)
    b = grid_times(60.0, 12.7, 14.0, window=5.0, fps=2.0)
    assert a[0] == 5.5 and a[-1] == 17.0 and np.allclose(np.diff(a), 0.5)
    assert set(a) & set(b) == {t / 2 for t in range(16, 35)}  # 8.0 .. 17.0
    assert grid_times(8.0, 6.0, 7.0, window=5.0, fps=1.0) == [1.0, 2, 3, 4, 5, 6, 7, 8]
    assert grid_times(60.0, 10.1, 10.2, window=0.0, fps=2.0) == [10.0]  # no grid point inside
    assert grid_times(3.0, 9.0, 10.0, window=1.0, fps=2.0) == [3.0]  # after the end
