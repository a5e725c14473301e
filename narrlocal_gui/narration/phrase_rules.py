"""The rules that split narration text into interaction phrases, on spaCy's parse.

A phrase is always a contiguous span of the user's words (of the segment texts with runs of
whitespace collapsed to one space). Sentences are split first: the parser's sentence
boundaries, and a silence of more than
:data:`~narrlocal_gui.narration.phrase_times.PAUSE_BOUNDARY_S` between segments or between
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

A verb with no words of its own but an adverb makes one action with the verb after it ("go
ahead and cut this piece off"); ", so" before a new subject is a result clause that splits
("That's way too much glue, | so I'm gonna wipe some off").

Each span is then trimmed: a pseudo-cleft preamble that names the step goes, so the phrase
starts at the action verb ("what I'm gonna do is | cut it", "the first step you're going to
do is | cut out four strips"), as does a step named before a comma ("First thing, | turn
off the power"); leading joints and discourse markers ("and", "but", "so",
"then", "first", "next", "now", "finally", "after that", "okay", "um", other interjections,
and whom a trimmed greeting addressed: "Hello everyone, | today ...") and trailing
punctuation and conjunctions go; stop words inside are kept (they are dropped
from the localizer's word features by
:func:`~narrlocal_gui.narration.phrases.content_words`, not from what the user
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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from narrlocal_gui.core.model import NotVisualReason
from narrlocal_gui.narration.phrase_visual import not_visual_reason

__all__ = [
    "CHUNK_CHARS",
    "KEPT_STOP_WORDS",
    "MAX_NOT_VISUAL_WORDS",
    "MAX_PHRASE_WORDS",
    "SPOKEN_FILLERS",
    "PauseBefore",
    "PhraseSpan",
    "phrase_char_spans",
]

#: Characters of narration parsed per spaCy call (about 700 words).
CHUNK_CHARS = 4000

#: A phrase longer than this (a run-on the rules could not split) is cut at its best boundary:
#: one narrated action ("cut out four strips of tape") fits in it.
MAX_PHRASE_WORDS = 12
#: The same for talk that shows nothing: it is not localized, so it is only cut when garbled.
MAX_NOT_VISUAL_WORDS = 2 * MAX_PHRASE_WORDS
_MIN_PART_WORDS = 3
_MAX_PAUSE_SCORE_S = 1.5


@dataclass(frozen=True, slots=True)
class PhraseSpan:
    """Characters [start, end) of a phrase and why it shows nothing (None: it is visual)."""

    start: int
    end: int
    not_visual: NotVisualReason | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"a phrase span must be non-empty and forward: {self}")


PauseBefore = Callable[[int], float]
"""Seconds of silence before the word that starts at a character offset (0 when unknown)."""

# spaCy has no type information; these aliases say what the untyped values are.
_Language = Any
_Doc = Any
_Span = Any
_Token = Any


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

# Dependents whose first word is a fair place to cut an overlong run-on: a clause first,
# a phrase inside a clause only where no clause begins near the middle.
_CLAUSE_CUT_DEPS = frozenset(
    {"nsubj", "nsubjpass", "csubj", "conj", "relcl", "advcl", "ccomp", "dep", "parataxis"}
    | {"mark"}
)
_CUT_DEPS = _CLAUSE_CUT_DEPS | {"prep", "npadvmod", "appos", "acl"}
_PHRASE_CUT_SCORE = 0.5
# A cut between larger constituents is better: each level deeper in the parse costs this.
_CUT_DEPTH_COST = 0.05
_MAX_CUT_DEPTH = 6

# Copulas after which a pseudo-cleft names its action: "what you want to do is | take ...".
_CLEFT_COPULAS = frozenset({"is", "'s", "was"})
# Nouns that, as the subject of such a copula, name a step rather than a thing.
_STEP_NOUNS = frozenset({"step", "thing", "idea", "trick", "plan", "goal", "key"})
_DO_FORMS = frozenset({"do", "does", "doing", "did", "done"})

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
SPOKEN_FILLERS = frozenset(
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


# Verbs that, with no words of their own but an adverb, make one action with the verb they
# are coordinated with: "go ahead and cut", "try and fit", "come and see".
_SERIAL_VERBS = frozenset({"go", "goes", "going", "went", "come", "comes", "try", "tries"})
_SERIAL_DEPS = frozenset({"advmod", "aux", "nsubj", "cc", "punct", "conj", "neg"})


def _is_serial(head: _Token, conj: _Token) -> bool:
    return head.lower_ in _SERIAL_VERBS and all(
        c.dep_ in _SERIAL_DEPS for c in head.children if c.i < conj.i
    )


def _is_split_conj(tok: _Token) -> bool:
    head = tok.head
    if _is_serial(head, tok):
        return False
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


def _is_result_so(tok: _Token) -> bool:
    """Whether ``tok`` is a ", so" followed by a subject: a result clause, not a purpose
    (purpose "so" takes no comma: "drill a pilot hole so the wood doesn't split")."""
    doc = tok.doc
    return (
        tok.lower_ == "so"
        and 0 < tok.i < len(doc) - 1
        and doc[tok.i - 1].text == ","
        and doc[tok.i + 1].dep_ in ("nsubj", "nsubjpass")
    )


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
    A past-tense tag on a verb with no subject of its own, hung on an imperative, is a
    mistagged imperative ("take your other two put them aside": "put" tagged VBD).
    """
    imperative = tok.tag_ == "VB" or (
        tok.tag_ in ("VBD", "VBP")
        and tok.head.tag_ == "VB"
        and not any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children)
    )
    return (
        imperative
        and tok.dep_ in ("ccomp", "acl", "relcl")
        and tok.i > 0
        and tok.doc[tok.i - 1].pos_ in _NOUN_POS | {"NUM"}
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
        if _is_result_so(tok) and verb_seen:
            starts.add(tok.i)  # "That's way too much glue, | so I'm gonna wipe some off"
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
    start = _after_step_name(doc, start, end)
    start = _after_cleft(doc, start, end)
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


def _after_step_name(doc: _Doc, start: int, end: int) -> int:
    """After a step named before a comma: "First thing, | turn off the power", "Step two, |
    ..." (the ordinal before it is trimmed as a marker)."""
    for k in range(start, min(start + 3, end - 2)):
        if doc[k].lower_ in _STEP_NOUNS and doc[k + 1].text in (",", ":"):
            return k + 2
    return start


def _after_cleft(doc: _Doc, start: int, end: int) -> int:
    """Where the action starts in a pseudo-cleft ("what I'm gonna do is | cut it", "the first
    step you're going to do is | cut out four strips"): its preamble names the step, the
    bare verb after the copula is the action. ``start`` otherwise."""
    for k in range(start + 1, end - 1):
        tok = doc[k]
        if tok.lower_ not in _CLEFT_COPULAS or tok.pos_ not in _VERB_POS:
            continue
        before = [doc[i] for i in range(start, k)]
        names_step = any(t.lower_ in _DO_FORMS for t in before) or any(
            t.lower_ in _STEP_NOUNS and t.pos_ in _NOUN_POS for t in before
        )
        if not names_step or any(t.lower_ in _CLEFT_COPULAS for t in before):
            return start
        action = k + 1
        if doc[action].lower_ == "to" and action + 1 < end:
            action += 1  # "the first step is to cut"
        elif doc[action].pos_ == "PRON" and action + 1 < end and doc[action + 1].pos_ == "VERB":
            return action  # "what you do is | you take the rope"
        # The parser often reads "do is cut" as a passive: any verb form is the action here.
        return action if doc[action].pos_ == "VERB" else start
    return start


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
        and t.lower_ not in SPOKEN_FILLERS
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


def _cut_candidates(doc: _Doc, start: int, end: int) -> dict[int, float]:
    """Token indices in [start, end) where a constituent or clause of the parse begins, with
    how good a cut each is (a clause start is better than a phrase start, and one high in
    the parse better than one deep in it: "line up | so that these two strips that you
    stuck together are ...", not "... strips that | you stuck")."""
    found: dict[int, float] = {}
    for i in range(start, end):
        tok = doc[i]
        if tok.dep_ == "cc":
            found[i] = 1.0
        elif tok.dep_ in _CUT_DEPS and start <= tok.left_edge.i < end:
            score = 1.0 if tok.dep_ in _CLAUSE_CUT_DEPS else _PHRASE_CUT_SCORE
            depth = min(sum(1 for _ in tok.ancestors), _MAX_CUT_DEPTH)
            score -= _CUT_DEPTH_COST * depth
            edge = tok.left_edge.i
            found[edge] = max(found.get(edge, 0.0), score)
    return found


def _best_cut(doc: _Doc, words: Sequence[int], pause_before: PauseBefore) -> int:
    """Where to cut an overlong phrase: at a constituent boundary or pause, near the middle."""
    candidates = _cut_candidates(doc, words[0], words[-1] + 1)
    middle = len(words) / 2.0

    def score(k: int) -> float:
        i = words[k]
        syntactic = candidates.get(i, 0.0)
        pause = min(pause_before(doc[i].idx), _MAX_PAUSE_SCORE_S)
        return syntactic + pause - 0.5 * abs(k - middle) / len(words)

    best = max(range(_MIN_PART_WORDS, len(words) - _MIN_PART_WORDS + 1), key=score)
    return words[best]


def _words(doc: _Doc, start: int, end: int) -> list[int]:
    """The tokens of [start, end) that begin a word as the user reads it ("you're" is one
    word of two tokens)."""
    return [
        i
        for i in range(start, end)
        if doc[i].pos_ not in _SKIP_POS and (i == start or doc[i - 1].whitespace_)
    ]


def _split_long(
    doc: _Doc, start: int, end: int, pause_before: PauseBefore
) -> Iterator[tuple[int, int, NotVisualReason | None]]:
    """[start, end) as it is, or cut recursively while it has over MAX_PHRASE_WORDS words;
    each part with its visual judgement.

    The rules above fail on run-on, garbled captions (the parser then sees one clause of
    fifty words); a phrase that long cannot be localized, so it is cut where the parse or
    the speaker's pauses suggest. Talk that shows nothing is not localized, so it is only
    cut when over twice as long: cutting it would leave fragments ("I'm going to show you
    how | to make a nifty little money clip").
    """
    words = _words(doc, start, end)
    reason = not_visual_reason(doc, start, end)
    limit = MAX_PHRASE_WORDS if reason is None else MAX_NOT_VISUAL_WORDS
    if len(words) <= limit:
        yield start, end, reason
        return
    cut = _best_cut(doc, words, pause_before)
    for part_start, part_end in ((start, cut), (cut, end)):
        part_start, part_end = _trim(doc, part_start, part_end)
        if _worth_keeping(doc, part_start, part_end):
            yield from _split_long(doc, part_start, part_end, pause_before)


def _sentence_spans(sent: _Span, pause_before: PauseBefore) -> Iterator[PhraseSpan]:
    """Character spans (in the doc) of the phrases of one sentence, judged."""
    doc = sent.doc
    starts = _phrase_starts(sent)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else sent.end
        start, end = _trim(doc, start, end)
        if not _worth_keeping(doc, start, end):
            continue
        for a, b, reason in _split_long(doc, start, end, pause_before):
            yield _char_span(doc, a, b, reason)


def _char_span(doc: _Doc, a: int, b: int, reason: NotVisualReason | None) -> PhraseSpan:
    last = doc[b - 1].text
    # A final abbreviation-like token keeps its full stop ("press Control C.").
    kept = len(last.rstrip(_TRAILING_PUNCTUATION)) or len(last)
    return PhraseSpan(doc[a].idx, doc[b - 1].idx + kept, reason)


def _no_pause(char: int) -> float:
    return 0.0


def _chunk_end(text: str, start: int) -> int:
    end = start + CHUNK_CHARS
    if end >= len(text):
        return len(text)
    space = text.find(" ", end)
    return len(text) if space < 0 else space


def phrase_char_spans(
    nlp: _Language,
    text: str,
    on_chunk: Callable[[int], None] | None = None,
    pause_before: PauseBefore = _no_pause,
) -> Iterator[PhraseSpan]:
    """Character spans of the phrases of ``text``, judged visual or not, parsed in chunks.

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
            for span in _sentence_spans(sent, pause_in_chunk):
                yield PhraseSpan(offset + span.start, offset + span.end, span.not_visual)
        pos = next_pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if on_chunk is not None:
            on_chunk(pos)
