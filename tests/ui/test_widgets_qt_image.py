from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

import gc

import numpy as np
from PySide6.QtGui import QImage

from narrlocal_gui.ui.qt_image import numpy_to_qimage


def _pixels(image: QImage) -> np.ndarray:
    """The image's pixels as an H x W x 3 RGB array (read through Qt, not through numpy)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).copy()


@pytest.fixture
def frame() -> np.ndarray:
    # Odd sizes on purpose: rows of 3 * 53 bytes are not 4-byte aligned.
    return np.random.default_rng(7).integers(0, 256, size=(37, 53, 3), dtype=np.uint8)


def test_contiguous_frame_round_trips(frame: np.ndarray) -> None:
    image = numpy_to_qimage(frame)
    assert (image.width(), image.height()) == (53, 37)
    np.testing.assert_array_equal(_pixels(image), frame)
    r, g, b = (int(v) for v in frame[5, 9])
    assert image.pixelColor(9, 5).getRgb()[:3] == (r, g, b)


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(lambda a: a[3:30, 1:40], id="crop"),
        pytest.param(lambda a: a[:, ::2], id="every-other-column"),
        pytest.param(lambda a: a[::-1], id="upside-down"),
        pytest.param(lambda a: a[..., ::-1], id="bgr-view"),
        pytest.param(np.asfortranarray, id="fortran-order"),
    ],
)
def test_non_contiguous_frames_round_trip(frame: np.ndarray, view: object) -> None:
    strided = view(frame)  # type: ignore[operator]
    np.testing.assert_array_equal(_pixels(numpy_to_qimage(strided)), strided)


def test_image_owns_its_pixels(frame: np.ndarray) -> None:
    source = frame.copy()
    image = numpy_to_qimage(source)
    source[:] = 0  # a decoder reusing its buffer
    del source
    gc.collect()
    np.testing.assert_array_equal(_pixels(image), frame)


def test_read_only_frame_is_accepted(frame: np.ndarray) -> None:
    frame.setflags(write=False)
    np.testing.assert_array_equal(_pixels(numpy_to_qimage(frame)), frame)


def test_empty_frame_gives_null_image() -> None:
    assert numpy_to_qimage(np.zeros((0, 4, 3), dtype=np.uint8)).isNull()


@pytest.mark.parametrize(
    "bad",
    [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4, 3), np.float32)],
    ids=["gray", "rgba", "float"],
)
def test_rejects_other_layouts(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        numpy_to_qimage(bad)
