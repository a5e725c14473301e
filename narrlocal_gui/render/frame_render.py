"""The picture shown at one moment: a decoded frame with that moment's indicators drawn on it.

The player (``ui/media_worker.py``), ``narrlocal frame`` and the video exporter all call
:func:`render_frame` and nothing else, so the preview, a still and an exported video cannot
disagree: which indicators are visible (:func:`~narrlocal_gui.core.visibility.visible_indicators`),
how they are drawn (:func:`~narrlocal_gui.render.compose.render_indicators`) and how boxes are
scaled when the picture is not the size the project was made for are decided here, once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.render.compose import render_indicators

__all__ = ["box_source_size", "render_frame"]

Image = npt.NDArray[np.uint8]


def box_source_size(project: Project, width: int, height: int) -> tuple[int, int] | None:
    """The (width, height) the project's boxes are measured in, when it is not the picture's.

    Boxes are in the pixels of the video the project was made on. When the file now opened
    has another size (a proxy or a re-encode of it), boxes are scaled to the picture; None
    means they already fit (or the project recorded no size).
    """
    video = project.video
    if video is None or not video.width or not video.height:
        return None
    if (video.width, video.height) == (width, height):
        return None
    return (video.width, video.height)


def render_frame(image: Image, project: Project, t: float) -> Image:
    """``image`` (H x W x 3 uint8 RGB, the frame shown at media time ``t``) with the project's
    indicators visible at ``t`` drawn on it.

    Like :func:`render_indicators`, ``image`` is never modified and is returned itself when
    nothing is drawn, so the result must be treated as read-only.
    """
    height, width = int(image.shape[0]), int(image.shape[1])
    return render_indicators(
        image,
        visible_indicators(project, t),
        project.display,
        source_size=box_source_size(project, width, height),
    )
