"""What the window shows of a search and of the proposed action spans: plain records.

:class:`SearchResults` is the last query's ranked moments and which one the user is on
(Enter or F3 steps through them, best first, round again); :class:`Proposals` the action
span the engine proposed for each phrase, as the phrase was when it was sent. No Qt: the
timeline, the results list and the indicator panel draw from these.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.localizer.search.moment import Moment


def span_text(start: float, end: float) -> str:
    """``0:12.5 – 0:15.0`` for a span of the video."""
    return f"{format_clock(start, 1)} – {format_clock(end, 1)}"


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A query's moments, best first, and the index of the one shown (None: none yet)."""

    query: str = ""
    moments: tuple[Moment, ...] = ()
    current: int | None = None

    def __post_init__(self) -> None:
        if self.current is not None and not 0 <= self.current < len(self.moments):
            raise ValueError(f"no result {self.current} among {len(self.moments)}")

    def at(self, index: int) -> SearchResults:
        """These results on moment ``index``."""
        return replace(self, current=index)

    def step(self, delta: int) -> SearchResults:
        """On the next (``delta`` 1) or previous (-1) moment, round again; the best first."""
        if not self.moments:
            return self
        if self.current is None:
            return self.at(0 if delta >= 0 else len(self.moments) - 1)
        return self.at((self.current + delta) % len(self.moments))

    @property
    def moment(self) -> Moment | None:
        """The moment shown, or None."""
        return None if self.current is None else self.moments[self.current]


@dataclass(frozen=True, slots=True)
class Proposal:
    """The action span proposed for ``phrase`` (as it was sent to the engine)."""

    phrase: Phrase
    moment: Moment


@dataclass(frozen=True, slots=True)
class Proposals:
    items: tuple[Proposal, ...] = ()

    def for_phrase(self, phrase: Phrase) -> Moment | None:
        """The proposal for ``phrase``, if it was made for the phrase as it is now (an
        edited text or timing makes it moot)."""
        for item in self.items:
            p = item.phrase
            if p.id == phrase.id and (p.text, p.start, p.end) == (
                phrase.text,
                phrase.start,
                phrase.end,
            ):
                return item.moment
        return None

    def merged(self, newer: Proposals) -> Proposals:
        """These proposals with ``newer`` ones replacing those of the same phrases."""
        ids = {item.phrase.id for item in newer.items}
        kept = tuple(item for item in self.items if item.phrase.id not in ids)
        return Proposals(kept + newer.items)


@dataclass(frozen=True, slots=True)
class SearchMarks:
    """What the timeline marks: the results (``current`` the one shown), and under the
    phrases each one's action span and the proposals not yet taken (phrase id, start, end)."""

    results: tuple[tuple[float, float], ...] = ()
    current: int | None = None
    action_spans: tuple[tuple[str, float, float], ...] = ()
    proposals: tuple[tuple[str, float, float], ...] = ()


def search_marks(
    results: SearchResults, proposals: Proposals, phrases: tuple[Phrase, ...]
) -> SearchMarks:
    """The marks of ``results`` and of the phrases' action spans and current proposals (a
    proposal equal to the span already set is not marked twice)."""
    spans = tuple((p.id, *p.action_span) for p in phrases if p.action_span is not None)
    proposed = []
    for p in phrases:
        moment = proposals.for_phrase(p)
        if moment is not None and p.action_span != (moment.start, moment.end):
            proposed.append((p.id, moment.start, moment.end))
    return SearchMarks(
        results=tuple((m.start, m.end) for m in results.moments),
        current=results.current,
        action_spans=spans,
        proposals=tuple(proposed),
    )
