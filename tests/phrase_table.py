"""Instructional sentences with the phrase split a careful person expects.

Every expectation was written by hand from the rules below BEFORE the extractor was run on
that sentence, and none has been edited to match its output: a failure here is a failure
of the extractor. The table grew in three batches (see the comments); the rules, in short:

- one phrase per action clause: a verb with its objects, particles, prepositional phrases,
  adverbs, negation, auxiliaries and subject; complements ("you want to cut", "make sure
  the screws are tight", "let it cool") and relative clauses stay with their head;
- coordinated verbs that each have their own words split; a verb that shares its object
  ("wash and dry the lettuce") does not; coordinated nouns never split;
- clause boundaries split: ";", "then", time/condition/reason clauses (once, when, if,
  before, after, while, because), keeping their subordinator; "until", "so that" and
  "to"/"in order to" clauses stay with the action they finish or explain;
- leading joints and discourse markers (and, but, so, then, first, next, now, finally,
  after that, okay, um...) and trailing punctuation are trimmed;
- greetings, thanks and pure filler give nothing; a verbless sentence is kept when it names
  a thing ("Now the garlic." -> "the garlic").

The table is used by tests/test_narration_phrases.py and benchmarks/bench_phrases.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PhraseCase:
    topic: str
    text: str
    expected: tuple[str, ...]

    def __post_init__(self) -> None:
        for phrase in self.expected:
            if phrase not in self.text:
                raise ValueError(f"expected phrase {phrase!r} is not a span of {self.text!r}")


def _case(topic: str, text: str, *expected: str) -> PhraseCase:
    return PhraseCase(topic, text, expected)


PHRASE_TABLE: tuple[PhraseCase, ...] = (
    # The two examples of the issue.
    _case(
        "cooking",
        "Put some oil into a pan and add chopped onions.",
        "Put some oil into a pan",
        "add chopped onions",
    ),
    _case(
        "cooking",
        "Cut the onions and add them to the tray.",
        "Cut the onions",
        "add them to the tray",
    ),
    # Three coordinated verbs.
    _case(
        "cooking",
        "Peel the potatoes, cut them into cubes and boil them for ten minutes.",
        "Peel the potatoes",
        "cut them into cubes",
        "boil them for ten minutes",
    ),
    _case(
        "software",
        "Open the terminal, type the command and press Enter.",
        "Open the terminal",
        "type the command",
        "press Enter",
    ),
    _case(
        "crafts",
        "Fold the paper in half, crease it firmly, then unfold it again.",
        "Fold the paper in half",
        "crease it firmly",
        "unfold it again",
    ),
    _case(
        "gardening",
        "Place the plant in the hole, fill it with soil and water it well.",
        "Place the plant in the hole",
        "fill it with soil",
        "water it well",
    ),
    _case(
        "baking",
        "Mix the flour with the butter, add the eggs and knead the dough until it is smooth.",
        "Mix the flour with the butter",
        "add the eggs",
        "knead the dough until it is smooth",
    ),
    # First ... then ..., and then, after that.
    _case(
        "repair",
        "First, remove the battery, then unscrew the back panel.",
        "remove the battery",
        "unscrew the back panel",
    ),
    _case(
        "baking",
        "Cut the dough into squares and then brush them with egg wash.",
        "Cut the dough into squares",
        "brush them with egg wash",
    ),
    _case(
        "cooking",
        "After that, drain the pasta and rinse it with cold water.",
        "drain the pasta",
        "rinse it with cold water",
    ),
    _case(
        "crafts",
        "Then you're going to thread the needle and tie a knot at the end.",
        "you're going to thread the needle",
        "tie a knot at the end",
    ),
    # Particles and pronoun objects.
    _case(
        "moving",
        "Pick up the box and turn it over.",
        "Pick up the box",
        "turn it over",
    ),
    _case("repair", "Turn it off at the wall.", "Turn it off at the wall"),
    _case(
        "repair",
        "Remove the screws and set them aside.",
        "Remove the screws",
        "set them aside",
    ),
    _case(
        "baking",
        "Take the cake out of the oven and let it cool on a rack.",
        "Take the cake out of the oven",
        "let it cool on a rack",
    ),
    _case("cooking", "Gently fold in the egg whites.", "Gently fold in the egg whites"),
    # Prepositional objects and adverbs.
    _case("cooking", "Slowly pour the milk into the bowl.", "Slowly pour the milk into the bowl"),
    _case(
        "woodworking",
        "Mark the center of the board with a pencil.",
        "Mark the center of the board with a pencil",
    ),
    _case(
        "repair",
        "Pry the cover open with a flat screwdriver.",
        "Pry the cover open with a flat screwdriver",
    ),
    _case(
        "software",
        "Click on the File menu and select Save As.",
        "Click on the File menu",
        "select Save As",
    ),
    _case(
        "software",
        "Right-click the layer and choose Duplicate Layer.",
        "Right-click the layer",
        "choose Duplicate Layer",
    ),
    _case(
        "makeup",
        "Apply a small amount of primer and blend it outwards with your fingers.",
        "Apply a small amount of primer",
        "blend it outwards with your fingers",
    ),
    _case(
        "makeup",
        "Dab the concealer under your eyes, then blend it with a damp sponge.",
        "Dab the concealer under your eyes",
        "blend it with a damp sponge",
    ),
    # Negation.
    _case("woodworking", "Don't press too hard on the blade.", "Don't press too hard on the blade"),
    _case(
        "baking",
        "Do not overmix the batter, just fold it in gently.",
        "Do not overmix the batter",
        "just fold it in gently",
    ),
    # Light verbs, auxiliaries, complements and purpose: one phrase.
    _case(
        "crafts",
        "You want to cut the tape along the seam.",
        "You want to cut the tape along the seam",
    ),
    _case(
        "woodworking",
        "Now you're going to want to sand down the edges.",
        "you're going to want to sand down the edges",
    ),
    _case("cooking", "I'm just gonna cut this in half.", "I'm just gonna cut this in half"),
    _case(
        "repair",
        "Let's start by removing the old filter.",
        "Let's start by removing the old filter",
    ),
    _case("repair", "Make sure the screws are tight.", "Make sure the screws are tight"),
    _case(
        "woodworking",
        "Use a clamp to hold the boards together.",
        "Use a clamp to hold the boards together",
    ),
    _case(
        "gardening",
        "Pinch off the dead flowers to encourage new growth.",
        "Pinch off the dead flowers to encourage new growth",
    ),
    _case("cooking", "Grab the bowl that we mixed earlier.", "Grab the bowl that we mixed earlier"),
    _case(
        "gardening",
        "Dig a hole twice as wide as the root ball.",
        "Dig a hole twice as wide as the root ball",
    ),
    # Shared object, coordinated nouns: no split.
    _case("cooking", "Wash and dry the lettuce leaves.", "Wash and dry the lettuce leaves"),
    _case(
        "cooking", "Add salt, pepper and a pinch of sugar.", "Add salt, pepper and a pinch of sugar"
    ),
    # "until" / "so that" stay; time, condition and reason clauses split.
    _case("cooking", "Stir the sauce until it thickens.", "Stir the sauce until it thickens"),
    _case(
        "cooking",
        "Tilt the pan so that the oil coats the bottom.",
        "Tilt the pan so that the oil coats the bottom",
    ),
    _case(
        "woodworking",
        "Sand with the grain until the surface feels smooth.",
        "Sand with the grain until the surface feels smooth",
    ),
    _case(
        "cooking", "Once the oil is hot, add the onions.", "Once the oil is hot", "add the onions"
    ),
    _case(
        "repair",
        "If the screw is stripped, use a rubber band for extra grip.",
        "If the screw is stripped",
        "use a rubber band for extra grip",
    ),
    _case(
        "repair",
        "Unplug the toaster before you clean it.",
        "Unplug the toaster",
        "before you clean it",
    ),
    _case(
        "painting",
        "Let the paint dry completely before you add a second coat.",
        "Let the paint dry completely",
        "before you add a second coat",
    ),
    _case(
        "makeup",
        "Curl your lashes before applying mascara.",
        "Curl your lashes",
        "before applying mascara",
    ),
    _case(
        "woodworking",
        "Hold the board steady while you cut.",
        "Hold the board steady",
        "while you cut",
    ),
    _case(
        "crafts",
        "Wear gloves because the resin is sticky.",
        "Wear gloves",
        "because the resin is sticky",
    ),
    # Semicolons, own subjects, several sentences.
    _case(
        "gardening",
        "Water the seedlings lightly; too much water will rot the roots.",
        "Water the seedlings lightly",
        "too much water will rot the roots",
    ),
    _case(
        "sewing",
        "I hold the fabric and you pull the needle through.",
        "I hold the fabric",
        "you pull the needle through",
    ),
    _case("woodworking", "Measure twice and cut once.", "Measure twice", "cut once"),
    _case(
        "cooking",
        "Heat the pan. Add the butter and let it melt.",
        "Heat the pan",
        "Add the butter",
        "let it melt",
    ),
    # Questions.
    _case(
        "repair",
        "Can you see the crack along the edge?",
        "Can you see the crack along the edge",
    ),
    _case("crafts", "Is the glue dry yet?", "Is the glue dry yet"),
    # Filler and verbless sentences.
    _case("filler", "Okay."),
    _case("filler", "Um, alright, so."),
    _case("filler", "Great."),
    _case("filler", "Hello everyone, welcome back to my channel."),
    _case("filler", "Thanks for watching!"),
    _case("cooking", "Now the garlic.", "the garlic"),
    _case("baking", "Two cups of flour.", "Two cups of flour"),
    # Auto-captions: lower case, no punctuation, run-on.
    _case(
        "cooking",
        "so first we take the lid off then we scoop out the seeds",
        "we take the lid off",
        "we scoop out the seeds",
    ),
    _case(
        "crafts",
        "grab your scissors and cut along the dotted line",
        "grab your scissors",
        "cut along the dotted line",
    ),
    _case(
        "audiobook",
        "this audiobook is in the public domain you can find the text version of this "
        "audiobook online",
        "this audiobook is in the public domain",
        "you can find the text version of this audiobook online",
    ),
    _case(
        "cooking",
        "now we're going to flip the pancake and cook the other side for a minute",
        "we're going to flip the pancake",
        "cook the other side for a minute",
    ),
    _case(
        "plumbing",
        "okay so what you want to do is take the old washer out",
        # A pseudo-cleft preamble goes, as everywhere (docs/phrases.md, "Preambles").
        "take the old washer out",
    ),
    _case(
        "cooking",
        "put the lid on and leave it for about twenty minutes",
        "put the lid on",
        "leave it for about twenty minutes",
    ),
    # Second batch: written (expectations first) after the first round of fixes, then run
    # once; the two rules it showed missing were fixed in the extractor, not here.
    _case(
        "cooking",
        "Crack the eggs into a bowl and whisk them until they are fluffy.",
        "Crack the eggs into a bowl",
        "whisk them until they are fluffy",
    ),
    _case(
        "cooking",
        "Season the chicken with salt, then sear it on both sides.",
        "Season the chicken with salt",
        "sear it on both sides",
    ),
    _case(
        "cooking",
        "Bring the water to a boil, add the pasta and cook it for eight minutes.",
        "Bring the water to a boil",
        "add the pasta",
        "cook it for eight minutes",
    ),
    _case(
        "cooking",
        "When the butter starts to foam, pour in the batter.",
        "When the butter starts to foam",
        "pour in the batter",
    ),
    _case("baking", "Sift the flour into the bowl.", "Sift the flour into the bowl"),
    _case(
        "baking",
        "Roll out the dough and cut it into circles with a glass.",
        "Roll out the dough",
        "cut it into circles with a glass",
    ),
    _case(
        "repair",
        "Disconnect the hose and drain the remaining water into a bucket.",
        "Disconnect the hose",
        "drain the remaining water into a bucket",
    ),
    _case(
        "repair",
        "Loosen the nut with a wrench, but don't take it off yet.",
        "Loosen the nut with a wrench",
        "don't take it off yet",
    ),
    _case(
        "repair",
        "Slide the new cartridge in until it clicks.",
        "Slide the new cartridge in until it clicks",
    ),
    _case(
        "repair",
        "After you remove the cover, you'll see two screws.",
        "After you remove the cover",
        "you'll see two screws",
    ),
    _case(
        "woodworking",
        "Drill a pilot hole first so the wood doesn't split.",
        "Drill a pilot hole first so the wood doesn't split",
    ),
    _case(
        "woodworking",
        "Wipe off any excess glue with a damp rag.",
        "Wipe off any excess glue with a damp rag",
    ),
    _case(
        "woodworking",
        "Clamp the piece to the bench and start cutting along the line.",
        "Clamp the piece to the bench",
        "start cutting along the line",
    ),
    _case(
        "gardening",
        "Pull out the weeds by the roots and throw them in the bin.",
        "Pull out the weeds by the roots",
        "throw them in the bin",
    ),
    _case(
        "gardening", "Prune the branches just above a bud.", "Prune the branches just above a bud"
    ),
    _case(
        "gardening",
        "Spread the mulch around the base, but keep it away from the stem.",
        "Spread the mulch around the base",
        "keep it away from the stem",
    ),
    _case(
        "makeup",
        "Start with a clean face and apply a thin layer of moisturizer.",
        "Start with a clean face",
        "apply a thin layer of moisturizer",
    ),
    _case(
        "makeup",
        "Sweep the bronzer along your cheekbones.",
        "Sweep the bronzer along your cheekbones",
    ),
    _case(
        "crafts",
        "Glue the ribbon around the jar and let it dry for an hour.",
        "Glue the ribbon around the jar",
        "let it dry for an hour",
    ),
    _case(
        "crafts",
        "Thread the bead onto the wire, twist the ends together and trim the excess.",
        "Thread the bead onto the wire",
        "twist the ends together",
        "trim the excess",
    ),
    _case(
        "software", "Go to Settings and turn on dark mode.", "Go to Settings", "turn on dark mode"
    ),
    _case(
        "software",
        "Drag the file into the window and wait for the upload to finish.",
        "Drag the file into the window",
        "wait for the upload to finish",
    ),
    _case(
        "software",
        "Copy the link, paste it into your browser and hit Enter.",
        "Copy the link",
        "paste it into your browser",
        "hit Enter",
    ),
    _case(
        "cleaning",
        "Spray the cleaner on the glass and wipe it down with a cloth.",
        "Spray the cleaner on the glass",
        "wipe it down with a cloth",
    ),
    _case("cleaning", "Don't use bleach on this surface.", "Don't use bleach on this surface"),
    _case(
        "bike",
        "Flip the bike over and take the wheel off.",
        "Flip the bike over",
        "take the wheel off",
    ),
    _case(
        "bike",
        "Do you see how the chain sits on the smallest cog?",
        "Do you see how the chain sits on the smallest cog",
    ),
    _case("filler", "Alright guys."),
    _case("filler", "So yeah, that's pretty much it.", "that's pretty much it"),
    _case(
        "cooking",
        "and then we just mix everything together and put it in the fridge overnight",
        "we just mix everything together",
        "put it in the fridge overnight",
    ),
    _case(
        "repair",
        "you can see the old gasket here we're going to pull it out and replace it",
        "you can see the old gasket here",
        "we're going to pull it out",
        "replace it",
    ),
    _case(
        "crafts",
        "take your needle and push it through the back of the fabric",
        "take your needle",
        "push it through the back of the fabric",
    ),
    # Third batch: written (expectations first) after all the rules above existed, then run
    # once: 14 of 16 exact on that first run (see the report); kept whatever the outcome.
    _case(
        "cooking",
        "Melt the chocolate over a pot of simmering water and stir it constantly.",
        "Melt the chocolate over a pot of simmering water",
        "stir it constantly",
    ),
    _case("cooking", "Squeeze the lemon over the fish.", "Squeeze the lemon over the fish"),
    _case(
        "cooking",
        "Flip the steak after three minutes, then baste it with butter.",
        "Flip the steak after three minutes",
        "baste it with butter",
    ),
    _case(
        "baking",
        "Grease the tin, line it with parchment and pour in the batter.",
        "Grease the tin",
        "line it with parchment",
        "pour in the batter",
    ),
    _case(
        "repair",
        "Unscrew the faucet handle and pull it straight up.",
        "Unscrew the faucet handle",
        "pull it straight up",
    ),
    _case(
        "repair",
        "Make sure the power is off before you touch any wires.",
        "Make sure the power is off",
        "before you touch any wires",
    ),
    _case(
        "repair",
        "Wrap some tape around the threads so it doesn't leak.",
        "Wrap some tape around the threads so it doesn't leak",
    ),
    _case(
        "woodworking",
        "Check that the corner is square with a speed square.",
        "Check that the corner is square with a speed square",
    ),
    _case(
        "woodworking",
        "Countersink the holes and drive in the screws.",
        "Countersink the holes",
        "drive in the screws",
    ),
    _case(
        "gardening",
        "Loosen the roots gently with your fingers.",
        "Loosen the roots gently with your fingers",
    ),
    _case(
        "makeup",
        "Line your upper lid and smudge it with a brush.",
        "Line your upper lid",
        "smudge it with a brush",
    ),
    _case(
        "software",
        "Select all the cells and press Control C.",
        "Select all the cells",
        "press Control C",
    ),
    _case(
        "crafts",
        "Cut two strips of felt and sew them together along the edge.",
        "Cut two strips of felt",
        "sew them together along the edge",
    ),
    _case("filler", "Alright, that's it for today.", "that's it for today"),
    _case(
        "cooking",
        "now we're gonna add the garlic and let it cook for about a minute",
        "we're gonna add the garlic",
        "let it cook for about a minute",
    ),
    _case(
        "repair",
        "you want to hold the wire with pliers while you twist the cap on",
        "you want to hold the wire with pliers",
        "while you twist the cap on",
    ),
)
