"""Whether a phrase shows something on screen, judged from its parse.

How-to narration mixes the actions the camera shows ("stick them together") with talk that
points at nothing: greetings, talk about the video itself ("so that's what we're going to be
doing in this video"), fillers ("and that's exactly what you want") and remarks, advice or
measurements with no action ("it's just slightly smaller than a credit card"). A phrase is
judged not visual, with the first reason that applies, when:

- GREETING: a social formula heads it or it holds one (hello, welcome, thanks, subscribe);
- META_TALK: it talks about the video, tutorial or channel ("in this video"; a noun used as
  a modifier, "the video card", does not count), or the speaker announces what they will
  show ("I'm going to show you how to make a money clip");
- otherwise its action head is found: from the top of the parse, down through verbs that
  only frame another one ("want to", "going to", "need to", "try to", "what you do is"). The
  phrase is visual when that head is a verb of doing (not "be", not a verb of thinking,
  wanting or saying), or when the phrase has no verb and names a concrete thing ("the
  garlic"); else it is FILLER when nothing is named but pronouns, and NO_ACTION when it
  names things without an action ("three and a quarter inches long each").

The judgement sets only the default: the phrase and its indicator stay, disabled, and the
user can turn it on.
"""

from __future__ import annotations

from typing import Any

from narrlocal_gui.core.model import NotVisualReason

__all__ = ["not_visual_reason"]

# spaCy has no type information; these aliases say what the untyped values are.
_Doc = Any
_Token = Any

_GREETING_WORDS = frozenset(
    {"hello", "hi", "hey", "welcome", "thanks", "thank", "bye", "goodbye", "cheers"}
    | {"subscribe", "subscribed"}
)

# Nouns that, heading a noun phrase of their own, name the video rather than what it shows.
_META_NOUNS = frozenset(
    {"video", "videos", "tutorial", "tutorials", "channel", "episode", "series", "vlog"}
    | {"description", "comments", "subscribers"}
)

# "today" in how-to narration is the day of the video: "today we're making banana bread".
_META_TIME = frozenset({"today", "tonight"})

# Verbs whose object is the audience and whose complement is what the video will show.
_ANNOUNCING_VERBS = frozenset({"show", "showing", "teach", "teaching", "explain", "explaining"})
_AUDIENCE = frozenset({"you", "y'all", "everyone", "everybody", "guys"})

# Verbs that frame the action in their complement ("you want to cut", "you're going to
# take", "try to line it up", "make sure"): the action head is the complement's verb.
_FRAMING_VERBS = frozenset(
    {"want", "wants", "wanna", "need", "needs", "going", "gon", "have", "has", "got", "gotta"}
    | {"try", "trying", "start", "begin", "like", "decide"}
)

# Verbs of being, thinking, wanting or saying: no action the camera shows.
_STATE_VERBS = frozenset(
    {"be", "is", "'s", "are", "'re", "am", "'m", "was", "were", "been", "being"}
    | {"know", "think", "believe", "guess", "mean", "hope", "want", "wanna", "like", "love"}
    | {"need", "notice", "remember", "forget", "understand", "recommend", "suggest", "say"}
    | {"talk", "talking", "call", "called", "seem", "seems", "wonder", "bet", "appreciate"}
    | {"happen", "happens", "matter", "matters"}
)

# Nouns that name an amount or an abstraction, not a thing one can point at.
_ABSTRACT_NOUNS = frozenset(
    {"length", "width", "height", "size", "amount", "bit", "lot", "room", "way", "time"}
    | {"inch", "inches", "minute", "minutes", "second", "seconds", "step", "thing", "things"}
    | {"idea", "reason", "point", "job", "stuff", "guys", "everyone", "folks", "part"}
    | {"hour", "hours", "while", "day", "days", "money", "effort"}
)

# Amounts of time or effort: "it should take about twenty five minutes", "take your time".
_DURATIONS = frozenset(
    {"minute", "minutes", "second", "seconds", "hour", "hours", "time", "while", "effort"}
    | {"day", "days"}
)

# Subordinators of a reason or result: the clause says why, not what is done.
_REASON_MARKERS = frozenset({"because", "cause", "'cause", "since"})

# Deictic adverbs of the formulas that close a step: "there you go", "here we go".
_DEICTIC = frozenset({"there", "here"})

_CONTENT_POS = frozenset({"NOUN", "PROPN", "NUM"})
_SKIP_POS = frozenset({"PUNCT", "SPACE", "SYM"})


def _top(tokens: list[_Token]) -> _Token:
    inside = {t.i for t in tokens}

    def depth(tok: _Token) -> int:
        return sum(1 for a in tok.ancestors if a.i in inside)

    return min(tokens, key=depth)


def _is_greeting(tokens: list[_Token]) -> bool:
    return any(t.lower_ in _GREETING_WORDS for t in tokens)


def _is_meta(tokens: list[_Token]) -> bool:
    for t in tokens:
        if t.lower_ in _META_NOUNS and t.dep_ != "compound":
            return True
        if t.lower_ in _META_TIME and t.dep_ in ("npadvmod", "advmod"):
            return True
        if t.lower_ in _ANNOUNCING_VERBS and any(
            c.lower_ in _AUDIENCE and c.dep_ in ("dative", "dobj", "nsubj") for c in t.children
        ):
            return True
    return False


def _action_head(top: _Token, inside: set[int]) -> _Token:
    """``top``, or the verb it frames ("want to | cut", "what you do is | take")."""
    head = top
    for _ in range(4):  # framing verbs nest a few deep at most: "going to want to sand"
        if head.lower_ not in _FRAMING_VERBS:
            return head
        framed = [
            c
            for c in head.children
            if c.i in inside and c.dep_ in ("xcomp", "ccomp", "conj") and c.pos_ in ("VERB", "AUX")
        ]
        if not framed:
            return head
        head = framed[0]
    return head


def _negated(top: _Token, head: _Token) -> bool:
    """Whether the action or a verb framing it is negated: what is not done is not shown
    ("you don't want to rush this part", "the paint won't bleed through")."""
    tok = head
    while True:
        if any(c.dep_ == "neg" for c in tok.children):
            return True
        if tok.i == top.i or tok.head.i == tok.i:
            return False
        tok = tok.head


def _only_measures(head: _Token) -> bool:
    """Whether the verb's only object is an amount or a time ("it should take about twenty
    five minutes", "take your time")."""
    objects = [c for c in head.children if c.dep_ == "dobj"]
    return bool(objects) and all(o.lower_ in _DURATIONS for o in objects)


def _is_abstract(noun: _Token) -> bool:
    """An amount or abstraction, unless a modifier makes it a thing: "a bit of oil", "a drill
    bit" are things."""
    if noun.lower_ not in _ABSTRACT_NOUNS:
        return False
    for c in noun.children:
        if c.dep_ == "compound":
            return False
        if c.dep_ == "prep" and c.lower_ == "of":
            return all(_is_abstract(o) for o in c.children if o.dep_ == "pobj")
    return True


def _is_closing_formula(head: _Token) -> bool:
    """ "there you go", "here we go": a verb with nothing but a pronoun and "there"/"here"."""
    children = [c for c in head.children if c.pos_ not in _SKIP_POS and c.dep_ != "cc"]
    return (
        head.pos_ == "VERB"
        and any(c.lower_ in _DEICTIC for c in children)
        and all(c.lower_ in _DEICTIC or c.pos_ == "PRON" or c.dep_ == "aux" for c in children)
    )


def _points_at_a_thing(head: _Token) -> bool:
    """An existential naming something concrete: "there's a little clip on the side"."""
    if not any(c.dep_ == "expl" for c in head.children):
        return False
    return any(
        c.dep_ in ("attr", "nsubj") and c.pos_ == "NOUN" and not _is_abstract(c)
        for c in head.children
    )


def not_visual_reason(doc: _Doc, start: int, end: int) -> NotVisualReason | None:
    """Why the phrase of tokens [start, end) shows nothing, or None when it is visual."""
    tokens = [doc[i] for i in range(start, end) if doc[i].pos_ not in _SKIP_POS]
    if not tokens:
        return NotVisualReason.FILLER
    if _is_greeting(tokens):
        return NotVisualReason.GREETING
    if _is_meta(tokens):
        return NotVisualReason.META_TALK
    if tokens[0].lower_ in _REASON_MARKERS:
        return NotVisualReason.NO_ACTION
    inside = {t.i for t in tokens}
    top = _top(tokens)
    head = _action_head(top, inside)
    if _is_closing_formula(head):
        return NotVisualReason.FILLER
    if _points_at_a_thing(head):
        return None  # "there's a little clip on the side"
    if head.pos_ in ("VERB", "AUX") or any(c.dep_ == "dobj" for c in head.children):
        if (
            head.lower_ not in _STATE_VERBS
            and head.pos_ != "AUX"
            and not _negated(top, head)
            and not _only_measures(head)
        ):
            return None
    elif head.pos_ in ("NOUN", "PROPN") and head.lower_ not in _ABSTRACT_NOUNS:
        return None  # a verbless phrase naming a thing: "the garlic"
    named = [t for t in tokens if t.pos_ in _CONTENT_POS and t.lower_ not in _ABSTRACT_NOUNS]
    measured = [t for t in tokens if t.pos_ == "NUM" or t.lower_ in _ABSTRACT_NOUNS]
    return NotVisualReason.NO_ACTION if named or measured else NotVisualReason.FILLER
