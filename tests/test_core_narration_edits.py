from __future__ import annotations

import pytest

from narrlocal_gui.core import narration_edits as ne
from narrlocal_gui.core.model import (
    Box,
    Indicator,
    Narration,
    Phrase,
    Project,
    Segment,
    TrackPoint,
    VideoRef,
    Word,
)


def _words(*items: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(text, start, end, 0.9) for text, start, end in items)


SEG0 = Segment(
    "Put some oil into a pan and add chopped onions.",
    0.0,
    5.0,
    _words(
        ("Put", 0.0, 0.3),
        ("some", 0.3, 0.6),
        ("oil", 0.6, 1.0),
        ("into", 1.0, 1.2),
        ("a", 1.2, 1.3),
        ("pan", 1.3, 1.8),
        ("and", 2.2, 2.4),
        ("add", 2.4, 2.8),
        ("chopped", 2.8, 3.5),
        ("onions.", 3.5, 4.6),
    ),
)
SEG1 = Segment("Stir well.", 6.0, 7.0, _words(("Stir", 6.0, 6.4), ("well.", 6.4, 7.0)))
TRACK = (TrackPoint(0.5, Box(1, 2, 30, 40), human=True),)


@pytest.fixture
def project() -> Project:
    phrases = (
        Phrase("a", "put some oil into a pan and add chopped onions", 0.0, 4.6),
        Phrase("b", "stir well", 6.0, 7.0),
    )
    indicators = (Indicator("ia", "a", track=TRACK, score=0.7), Indicator("ib", "b"))
    return Project(
        video=VideoRef("v.mp4", duration=10.0),
        narration=Narration((SEG0, SEG1), "en", "asr:base"),
        phrases=phrases,
        indicators=indicators,
    )


# -- split ------------------------------------------------------------------------------
def test_split_uses_the_word_times_and_keeps_the_indicator_with_the_first_part(
    project: Project,
) -> None:
    text = project.phrase("a").text
    cut = text.index(" and")  # on the space: both parts are stripped
    p = ne.split_phrase(project, "a", cut, "a2")
    first, second = p.phrase("a"), p.phrase("a2")
    assert (first.text, first.start, first.end) == ("put some oil into a pan", 0.0, 2.2)
    assert (second.text, second.start, second.end) == ("and add chopped onions", 2.2, 4.6)
    assert [ph.id for ph in p.phrases] == ["a", "a2", "b"]
    assert p.indicator("ia").phrase_id == "a"
    assert p.indicator_for_phrase("a2") is None
    assert project.phrase("a").text == text  # the old project is untouched


def test_split_in_the_middle_of_a_word_goes_that_far_into_the_word(project: Project) -> None:
    text = project.phrase("a").text
    cut = text.index("chopped") + 3  # "cho|pped": 3/7 of 2.8..3.5 s
    p = ne.split_phrase(project, "a", cut, "a2")
    assert p.phrase("a2").text == "pped onions"
    assert p.phrase("a2").start == pytest.approx(2.8 + 0.7 * 3 / 7)


def test_split_finds_words_whose_spelling_was_fixed_in_the_phrase(project: Project) -> None:
    p = ne.set_phrase_text(project, "b", "Stirr WELL!")  # same number of words: by position
    p = ne.split_phrase(p, "b", 6, "b2")
    assert p.phrase("b2").start == 6.4


def test_split_without_word_times_is_proportional_to_characters() -> None:
    project = Project(phrases=(Phrase("x", "abcd efgh", 10.0, 19.0),))
    p = ne.split_phrase(project, "x", 4, "y")  # second part begins at character 5 of 9
    assert p.phrase("x").end == pytest.approx(15.0)
    assert p.phrase("y").start == pytest.approx(15.0)
    assert (p.phrase("x").text, p.phrase("y").text) == ("abcd", "efgh")


@pytest.mark.parametrize("index", [0, 46, 47, -1, 99])
def test_split_needs_text_on_both_sides(project: Project, index: int) -> None:
    with pytest.raises(ValueError, match=r"Split|split"):
        ne.split_phrase(project, "a", index, "a2")
    with pytest.raises(KeyError):
        ne.split_phrase(project, "nope", 3, "a2")


def test_split_with_a_taken_id_is_refused(project: Project) -> None:
    with pytest.raises(ValueError):
        ne.split_phrase(project, "a", 4, "b")


# -- merge ------------------------------------------------------------------------------
def test_merge_joins_text_and_span_and_drops_the_second_indicator(project: Project) -> None:
    p = ne.merge_phrases(project, "a", "b")
    merged = p.phrase("a")
    assert merged.text == "put some oil into a pan and add chopped onions stir well"
    assert (merged.start, merged.end) == (0.0, 7.0)
    assert [ph.id for ph in p.phrases] == ["a"]
    assert [i.id for i in p.indicators] == ["ia"]
    assert p.indicator("ia").track == TRACK


def test_merge_into_a_phrase_without_indicator_keeps_the_second_one(project: Project) -> None:
    p = ne.delete_phrase(project, "a")
    p = ne.add_phrase(p, Phrase("z", "first", 5.0, 5.5))
    p = ne.merge_phrases(p, "z", "b")
    assert p.indicator("ib").phrase_id == "z"


def test_merge_errors(project: Project) -> None:
    with pytest.raises(KeyError):
        ne.merge_phrases(project, "a", "nope")
    with pytest.raises(ValueError):
        ne.merge_phrases(project, "a", "a")


# -- retime, text, delete, add ----------------------------------------------------------
def test_retime_keeps_phrases_sorted(project: Project) -> None:
    p = ne.retime_phrase(project, "b", 0.0, 0.5)
    assert [ph.id for ph in p.phrases] == ["b", "a"]
    assert (p.phrase("b").start, p.phrase("b").end) == (0.0, 0.5)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (-0.1, 1.0, "before the video"),
        (2.0, 2.0, "end after it starts"),
        (3.0, 2.0, "end after it starts"),
        (1.0, 10.5, "after the video"),
        (float("nan"), 1.0, "times"),
    ],
)
def test_retime_rejects_bad_times(project: Project, start: float, end: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ne.retime_phrase(project, "a", start, end)


def test_retime_without_a_known_duration_has_no_upper_limit(project: Project) -> None:
    p = ne.retime_phrase(Project(phrases=project.phrases), "a", 100.0, 200.0)
    assert p.phrase("a").end == 200.0
    with pytest.raises(KeyError):
        ne.retime_phrase(project, "zz", 0.0, 1.0)


def test_set_phrase_text_strips_and_refuses_empty(project: Project) -> None:
    p = ne.set_phrase_text(project, "b", "  stir it well ")
    assert p.phrase("b").text == "stir it well"
    assert p.indicator("ib").phrase_id == "b"
    with pytest.raises(ValueError, match="needs some text"):
        ne.set_phrase_text(project, "b", "   ")


def test_delete_phrase_removes_its_indicator(project: Project) -> None:
    p = ne.delete_phrase(project, "a")
    assert [ph.id for ph in p.phrases] == ["b"]
    assert [i.id for i in p.indicators] == ["ib"]
    with pytest.raises(KeyError):
        ne.delete_phrase(p, "a")


def test_add_phrase_inserts_in_order(project: Project) -> None:
    p = ne.add_phrase(project, Phrase("m", "meanwhile", 5.0, 5.5))
    assert [ph.id for ph in p.phrases] == ["a", "m", "b"]
    with pytest.raises(ValueError):
        ne.add_phrase(project, Phrase("a", "again", 5.0, 5.5))
    with pytest.raises(ValueError):
        ne.add_phrase(project, Phrase("n", "  ", 5.0, 5.5))


# -- replacing phrases: which indicators survive ----------------------------------------
def test_set_phrases_keeps_indicators_of_phrases_said_again_at_the_same_time(
    project: Project,
) -> None:
    fresh = (
        Phrase("n1", "Put some  OIL into a pan and add chopped onions.", 0.1, 4.5),
        Phrase("n2", "stir", 6.0, 6.4),  # different text: the old indicator goes
    )
    p = ne.set_phrases(project, fresh)
    assert [ph.id for ph in p.phrases] == ["n1", "n2"]
    assert [i.id for i in p.indicators] == ["ia"]
    kept = p.indicator("ia")
    assert kept.phrase_id == "n1"
    assert kept.track == TRACK
    assert kept.score == 0.7


def test_same_text_at_another_time_does_not_inherit(project: Project) -> None:
    p = ne.set_phrases(project, (Phrase("n", "stir well", 8.0, 9.0),))
    assert p.indicators == ()


def test_each_new_phrase_inherits_at_most_one_indicator() -> None:
    old = (Phrase("a", "go", 0.0, 2.0), Phrase("b", "go", 1.0, 3.0))
    project = Project(phrases=old, indicators=(Indicator("ia", "a"), Indicator("ib", "b")))
    p = ne.set_phrases(project, (Phrase("n", "go", 0.0, 3.0), Phrase("a", "go", 0.0, 1.0)))
    # "a" kept its id and so its indicator; "b"'s goes to the one other phrase saying "go".
    assert {i.id: i.phrase_id for i in p.indicators} == {"ia": "a", "ib": "n"}


def test_set_transcript_replaces_narration_and_phrases(project: Project) -> None:
    narration = Narration((SEG1,), "en", "srt")
    p = ne.set_transcript(project, narration, (Phrase("n", "stir well", 6.0, 7.0),))
    assert p.narration is narration
    assert [(i.id, i.phrase_id) for i in p.indicators] == [("ib", "n")]
    emptied = ne.set_transcript(project, Narration(), ())
    assert emptied.phrases == () and emptied.indicators == ()


def test_set_phrases_sorts(project: Project) -> None:
    p = ne.set_phrases(project, (Phrase("y", "y", 5.0, 6.0), Phrase("x", "x", 1.0, 2.0)))
    assert [ph.id for ph in p.phrases] == ["x", "y"]


# -- segment text -----------------------------------------------------------------------
def test_fixing_a_word_keeps_every_word_time(project: Project) -> None:
    p = ne.set_segment_text(
        project, 0, "Put some oil into a pan and add chopped onion.  "
    )  # one word re-spelled
    seg = p.narration.segments[0]
    assert seg.text == "Put some oil into a pan and add chopped onion."
    assert [(w.start, w.end) for w in seg.words] == [(w.start, w.end) for w in SEG0.words]
    assert seg.words[-1].text == "onion."
    assert seg.words[-1].confidence is None  # a person wrote this one
    assert seg.words[0] is SEG0.words[0]  # unchanged words are the same records
    assert p.narration.segments[1] is SEG1
    assert p.narration.language == "en" and p.narration.source == "asr:base"
    assert p.phrases == project.phrases


def test_a_different_word_count_spreads_the_words_over_the_segment(project: Project) -> None:
    p = ne.set_segment_text(project, 1, "Now stir it well")
    words = p.narration.segments[1].words
    assert [w.text for w in words] == ["Now", "stir", "it", "well"]
    assert words[0].start == 6.0
    assert words[-1].end == pytest.approx(7.0)
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert words[1].start == pytest.approx(6.0 + 4 / 16)  # "stir" begins at character 4 of 16
    assert all(w.confidence is None for w in words)


def test_a_segment_without_words_stays_without(project: Project) -> None:
    p = Project(narration=Narration((Segment("hello there", 1.0, 2.0),)))
    assert ne.set_segment_text(p, 0, "hello you there").narration.segments[0].words == ()


def test_an_empty_text_deletes_the_segment(project: Project) -> None:
    p = ne.set_segment_text(project, 0, "  ")
    assert p.narration.segments == (SEG1,)
    with pytest.raises(IndexError):
        ne.set_segment_text(project, 2, "x")
    with pytest.raises(IndexError):
        ne.set_segment_text(project, -1, "x")


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("one", None),
        ("   ", None),
        ("one two", 4),
        ("put some oil into a pan", 13),  # "into" starts nearest character 11.5
        ("x yy zz", 2),  # "yy" and "zz" start 1.5 either side of the middle: the earlier
        ("  ab cd", 5),
    ],
)
def test_middle_split_index(text: str, index: int | None) -> None:
    assert ne.middle_split_index(text) == index
