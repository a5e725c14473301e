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
)

# Verbs whose object is the audience and whose complement is what the video will show.
_ANNOUNCING_VERBS = frozenset({"show", "showing", "teach", "teaching", "explain", "explaining"})
_AUDIENCE = frozenset({"you", "y'all", "everyone", "everybody", "guys"})

# Verbs that frame the action in their complement ("you want to cut", "you're going to
# take", "try to line it up", "make sure"): the action head is the complement's verb.
_FRAMING_VERBS = frozenset(
    {"want", "wants", "wanna", "need", "needs", "going", "gon", "have", "has", "got", "gotta"}
    | {"try", "trying", "start", "begin", "like", "decide", "is", "'s", "was", "be", "are"}
)

# Verbs of being, thinking, wanting or saying: no action the camera shows.
_STATE_VERBS = frozenset(
    {"be", "is", "'s", "are", "'re", "am", "'m", "was", "were", "been", "being"}
    | {"know", "think", "believe", "guess", "mean", "hope", "want", "wanna", "like", "love"}
    | {"need", "notice", "remember", "forget", "understand", "recommend", "suggest", "say"}
    | {"talk", "talking", "call", "called", "seem", "seems", "wonder", "bet", "appreciate"}
    | {"doing", "do", "does", "did", "done", "happen", "happens", "matter", "matters"}
)

# Nouns that name an amount or an abstraction, not a thing one can point at.
_ABSTRACT_NOUNS = frozenset(
    {"length", "width", "height", "size", "amount", "bit", "lot", "room", "way", "time"}
    | {"inch", "inches", "minute", "minutes", "second", "seconds", "step", "thing", "things"}
    | {"idea", "reason", "point", "job", "stuff", "guys", "everyone", "folks", "part"}
)

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
        if t.lower_ in _ANNOUNCING_VERBS and any(
            c.lower_ in _AUDIENCE and c.dep_ in ("dative", "dobj", "nsubj") for c in t.children
        ):
            return True
    return False


def _action_head(top: _Token, inside: set[int]) -> _Token:
    """``top``, or the verb it frames ("want to | cut", "what you do is | take")."""
    head = top
    for _ in range(4):  # framing verbs nest a few deep at most: "going to want to sand"
        if head.lower_ not in _FRAMING_VERBS and head.pos_ != "AUX":
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


def not_visual_reason(doc: _Doc, start: int, end: int) -> NotVisualReason | None:
    """Why the phrase of tokens [start, end) shows nothing, or None when it is visual."""
    tokens = [doc[i] for i in range(start, end) if doc[i].pos_ not in _SKIP_POS]
    if not tokens:
        return NotVisualReason.FILLER
    if _is_greeting(tokens):
        return NotVisualReason.GREETING
    if _is_meta(tokens):
        return NotVisualReason.META_TALK
    inside = {t.i for t in tokens}
    head = _action_head(_top(tokens), inside)
    if head.pos_ in ("VERB", "AUX") or any(c.dep_ == "dobj" for c in head.children):
        if head.lower_ not in _STATE_VERBS and head.pos_ != "AUX":
            return None
    elif head.pos_ in ("NOUN", "PROPN") and head.lower_ not in _ABSTRACT_NOUNS:
        return None  # a verbless phrase naming a thing: "the garlic"
    named = [t for t in tokens if t.pos_ in _CONTENT_POS and t.lower_ not in _ABSTRACT_NOUNS]
    measured = [t for t in tokens if t.pos_ == "NUM" or t.lower_ in _ABSTRACT_NOUNS]
    return NotVisualReason.NO_ACTION if named or measured else NotVisualReason.FILLER
