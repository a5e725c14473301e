"""Spoken how-to narration as speech recognition writes it, with the phrases and visual flags
a careful person expects.

Each item is the list of ASR segments (text, start, end) that a recognizer or caption track
would give: run-on, often lower case, with "gonna", repeated words, fillers, and sentences
cut mid-clause across two segments. Every expectation was written by hand BEFORE the
extractor was run on the table (the table was committed before its first run), and none
has been edited to match the output: a failure here is a failure of the extractor.

The rules the expectations follow, beyond those of tests/phrase_table.py:

- a sentence cut across segments is one sentence; a phrase never starts mid-clause;
- leading fillers and joints (um, uh, so, okay, and, then, now) and trailing ones go; the
  phrase keeps its subject and auxiliaries ("you're going to take the lid off");
- a pseudo-cleft preamble ("what I'm gonna do is", "the first step you're going to do is")
  is dropped: the phrase starts at the action verb;
- greetings alone give no phrase; every other phrase is kept with a visual flag: False for
  talk about the video or channel, fillers, and remarks, advice or measurements that show
  no action; True for an action, or for something pointed at on screen.

Used by tests/test_narration_phrases_speech.py.
"""

from __future__ import annotations

from dataclasses import dataclass

Seg = tuple[str, float, float]


@dataclass(frozen=True, slots=True)
class SpeechCase:
    topic: str
    segments: tuple[Seg, ...]
    expected: tuple[tuple[str, bool], ...]

    def __post_init__(self) -> None:
        text = self.text
        for phrase, _ in self.expected:
            if phrase not in text:
                raise ValueError(f"expected phrase {phrase!r} is not a span of {text!r}")
        for (_, a, b), (_, c, _) in zip(self.segments, self.segments[1:], strict=False):
            if not a < b <= c:
                raise ValueError(f"segment times must be ordered: {self.segments}")

    @property
    def text(self) -> str:
        """The segment texts as the extractor joins them (one space between)."""
        return " ".join(" ".join(t.split()) for t, _, _ in self.segments)


def _case(topic: str, texts: tuple[str, ...], *expected: tuple[str, bool]) -> SpeechCase:
    """Segments about three words a second, a short breath (0.3 s) between them."""
    segments: list[Seg] = []
    t = 1.0
    for text in texts:
        length = 0.35 * len(text.split())
        segments.append((text, round(t, 2), round(t + length, 2)))
        t += length + 0.3
    return SpeechCase(topic, tuple(segments), expected)


V = True  # visual: an action or a thing shown
N = False  # not visual

SPEECH_TABLE: tuple[SpeechCase, ...] = (
    # A clause cut across two segments, with a pseudo-cleft preamble.
    _case(
        "crafts",
        (
            "The first step you're going to do is cut out four strips",
            "of tape that are about six inches long",
        ),
        ("cut out four strips of tape that are about six inches long", V),
    ),
    _case(
        "crafts",
        ("so what I'm gonna do is take my scissors", "and cut right along the line"),
        ("take my scissors", V),
        ("cut right along the line", V),
    ),
    _case(
        "repair",
        (
            "hey guys welcome back to my channel",
            "today I'm gonna show you how to fix a leaky faucet",
        ),
        ("today I'm gonna show you how to fix a leaky faucet", N),
    ),
    _case(
        "crafts",
        ("so that's what we're going to be doing in this video",),
        ("that's what we're going to be doing in this video", N),
    ),
    _case("crafts", ("and that's exactly what you want",), ("that's exactly what you want", N)),
    _case(
        "cooking",
        ("Now you're going to take the lid off", "and set it aside"),
        ("you're going to take the lid off", V),
        ("set it aside", V),
    ),
    _case(
        "woodwork",
        ("um so you want to grab your drill um and put the", "bit in like this"),
        ("you want to grab your drill", V),
        ("put the bit in like this", V),
    ),
    _case(
        "crafts",
        ("gonna stick them together just like this",),
        ("gonna stick them together just like this", V),
    ),
    _case(
        "crafts",
        ("take your other two put them aside for a second",),
        ("take your other two", V),
        ("put them aside for a second", V),
    ),
    _case(
        "crafts",
        ("you'll notice it's a little bit smaller than the card",),
        ("you'll notice it's a little bit smaller than the card", N),
    ),
    _case(
        "crafts",
        ("make sure you don't pull it too tight",),
        ("make sure you don't pull it too tight", V),
    ),
    _case(
        "crafts",
        ("it's about three and a quarter inches long",),
        ("it's about three and a quarter inches long", N),
    ),
    _case(
        "any",
        ("thanks for watching and I'll see you in the next one",),
        ("I'll see you in the next one", N),
    ),
    _case(
        "crafts",
        ("so the next thing you want to do is", "flip it over and fold the edges in"),
        ("flip it over", V),
        ("fold the edges in", V),
    ),
    _case(
        "crafts",
        ("and then you're gonna fold it in half", "crease it really well"),
        ("you're gonna fold it in half", V),
        ("crease it really well", V),
    ),
    _case(
        "cooking",
        ("Put a little bit of oil in the pan.", "Let it heat up for about a minute."),
        ("Put a little bit of oil in the pan", V),
        ("Let it heat up for about a minute", V),
    ),
    _case(
        "woodwork",
        ("uh you can see here that the the edge is not straight",),
        ("you can see here that the the edge is not straight", V),
    ),
    _case(
        "repair",
        ("okay", "so we're gonna start by removing the four screws on the back"),
        ("we're gonna start by removing the four screws on the back", V),
    ),
    _case(
        "cooking",
        ("i always like to use a sharp knife for this because it makes it a lot easier",),
        ("i always like to use a sharp knife for this", V),
        ("because it makes it a lot easier", N),
    ),
    _case(
        "sewing",
        ("So I've got my fabric here", "and I'm going to pin the pattern", "onto it"),
        ("I've got my fabric here", V),
        ("I'm going to pin the pattern onto it", V),
    ),
    _case("any", ("this is really important",), ("this is really important", N)),
    _case(
        "repair",
        ("if you don't have a drill you can use a screwdriver",),
        ("if you don't have a drill", N),
        ("you can use a screwdriver", V),
    ),
    _case("any", ("and there you go",), ("there you go", N)),
    _case(
        "cooking",
        ("Once the water is boiling", "add the pasta and stir it"),
        ("Once the water is boiling", V),
        ("add the pasta", V),
        ("stir it", V),
    ),
    _case(
        "woodwork",
        ("I'm just gonna go ahead and", "cut this piece off"),
        ("I'm just gonna go ahead and cut this piece off", V),
    ),
    _case(
        "crafts",
        ("the reason we do this is so the glue has something to grab onto",),
        ("the reason we do this is so the glue has something to grab onto", N),
    ),
    _case(
        "painting",
        ("grab your paintbrush and", "apply a thin coat all over the surface"),
        ("grab your paintbrush", V),
        ("apply a thin coat all over the surface", V),
    ),
    _case(
        "repair",
        ("Next, we're going to screw the bracket to the wall.",),
        ("we're going to screw the bracket to the wall", V),
    ),
    _case(
        "woodwork",
        ("you want to make sure that it's nice and level",),
        ("you want to make sure that it's nice and level", V),
    ),
    _case(
        "cooking", ("you don't want to rush this part",), ("you don't want to rush this part", N)
    ),
    _case("cooking", ("be careful not to cut yourself",), ("be careful not to cut yourself", N)),
    _case(
        "repair",
        ("so I'm gonna take the the tape and", "wrap it around the handle", "a couple of times"),
        ("I'm gonna take the the tape", V),
        ("wrap it around the handle a couple of times", V),
    ),
    _case("any", ("alright guys so that's it for this video",), ("that's it for this video", N)),
    _case(
        "any",
        ("if you liked it please hit that like button and subscribe",),
        ("if you liked it", N),
        ("hit that like button", N),
        ("subscribe", N),
    ),
    _case(
        "baking",
        ("Now, slowly pour the melted chocolate over the cake.",),
        ("slowly pour the melted chocolate over the cake", V),
    ),
    _case(
        "crafts",
        ("and you wanna do that for all four corners",),
        ("you wanna do that for all four corners", V),
    ),
    _case(
        "any",
        ("okay um let me just", "show you real quick what this looks like"),
        ("let me just show you real quick what this looks like", N),
    ),
    _case(
        "knots",
        ("so basically what you do is you take the rope", "and you loop it through the hole"),
        ("you take the rope", V),
        ("you loop it through the hole", V),
    ),
    _case(
        "repair",
        ("Then tighten the nut with a wrench until it's snug.",),
        ("tighten the nut with a wrench until it's snug", V),
    ),
    _case(
        "woodwork",
        ("I'm using a three eighths inch drill bit",),
        ("I'm using a three eighths inch drill bit", V),
    ),
    _case(
        "crafts",
        ("and this is what it should look like when you're done",),
        ("this is what it should look like", N),
        ("when you're done", N),
    ),
    _case(
        "repair",
        ("you can get these at any hardware store",),
        ("you can get these at any hardware store", N),
    ),
    _case(
        "baking",
        ("place the dough on a floured surface and", "roll it out to about a quarter inch thick"),
        ("place the dough on a floured surface", V),
        ("roll it out to about a quarter inch thick", V),
    ),
    _case(
        "repair",
        ("So the first thing I'm gonna do", "is remove the old caulk"),
        ("remove the old caulk", V),
    ),
    _case("any", ("you know what I mean",), ("you know what I mean", N)),
    _case("any", ("so yeah",)),
    _case(
        "sewing",
        ("Pull the needle through", "and then go back in right next to where you came out"),
        ("Pull the needle through", V),
        ("go back in right next to where you came out", V),
    ),
    _case(
        "baking",
        ("Hi everyone, I'm Sarah and today we're making banana bread.",),
        ("I'm Sarah", N),
        ("today we're making banana bread", N),
    ),
    _case("baking", ("mash the bananas with a fork",), ("mash the bananas with a fork", V)),
    _case(
        "baking",
        ("it should take about twenty five minutes",),
        ("it should take about twenty five minutes", N),
    ),
    _case(
        "any",
        ("and I'll put a link in the description below",),
        ("I'll put a link in the description below", N),
    ),
    _case(
        "origami",
        ("Fold the top corner down to meet the bottom edge.",),
        ("Fold the top corner down to meet the bottom edge", V),
    ),
    _case("painting", ("I really love this color",), ("I really love this color", N)),
    _case(
        "crafts",
        ("cut the the excess off with a utility knife",),
        ("cut the the excess off with a utility knife", V),
    ),
    _case(
        "repair",
        ("screw it in by hand first", "then use the wrench to tighten it"),
        ("screw it in by hand first", V),
        ("use the wrench to tighten it", V),
    ),
    _case("any", ("the brand doesn't really matter",), ("the brand doesn't really matter", N)),
    _case(
        "woodwork",
        ("so we're gonna sand this down", "with some fine sandpaper"),
        ("we're gonna sand this down with some fine sandpaper", V),
    ),
    _case(
        "cooking",
        ("Remove the chicken from the oven", "and let it rest for ten minutes"),
        ("Remove the chicken from the oven", V),
        ("let it rest for ten minutes", V),
    ),
    _case(
        "painting",
        ("that way the paint won't bleed through",),
        ("that way the paint won't bleed through", N),
    ),
    _case(
        "sewing",
        ("tie a knot at the end of the thread",),
        ("tie a knot at the end of the thread", V),
    ),
    _case(
        "sewing",
        ("Then you're going to take your iron", "And press the seam flat"),
        ("you're going to take your iron", V),
        ("press the seam flat", V),
    ),
    _case(
        "electrics",
        ("So in today's video I'm going to be", "showing you how to install a new light fixture"),
        ("in today's video I'm going to be showing you how to install a new light fixture", N),
    ),
    _case(
        "electrics",
        ("First thing, turn off the power at the breaker",),
        ("turn off the power at the breaker", V),
    ),
    _case(
        "woodwork",
        ("and uh", "you'll want to hold it there for about thirty seconds"),
        ("you'll want to hold it there for about thirty seconds", V),
    ),
    _case(
        "crafts",
        ("That's way too much glue, so I'm gonna wipe some off.",),
        ("That's way too much glue", N),
        ("I'm gonna wipe some off", V),
    ),
    _case(
        "repair",
        ("there's a little clip on the side", "you just push that in and it pops right out"),
        ("there's a little clip on the side", V),
        ("you just push that in", V),
        ("it pops right out", V),
    ),
)
