"""What a typed query must be: some words that say what to look for, not a whole page."""

from __future__ import annotations

from narrlocal_gui.errors import UserFacingError

__all__ = ["MAX_QUERY_CHARACTERS", "QueryError", "check_query"]

#: Longer text is not a query (a pasted transcript, a file): a description is a sentence.
MAX_QUERY_CHARACTERS = 300


class QueryError(UserFacingError):
    """A query that cannot be searched for; the message says why in one sentence."""


def check_query(text: str) -> tuple[str, list[str]]:
    """The query without surrounding blanks and its content words (lower case, stop words
    removed: what the narration and the picture are matched on), or :class:`QueryError`."""
    query = " ".join(text.split())
    if not query:
        raise QueryError("The query is empty; type what to look for, e.g. 'pour the water'.")
    if len(query) > MAX_QUERY_CHARACTERS:
        raise QueryError(
            f"The query is {len(query):,} characters long; describe the moment in at most "
            f"{MAX_QUERY_CHARACTERS} characters, e.g. 'pour the water into the kettle'."
        )
    from narrlocal_gui.narration.phrases import content_words

    words = content_words(query)
    if not words:
        raise QueryError(
            f"The query '{query}' has only common words such as 'the' or 'it'; name a thing "
            "or an action to look for."
        )
    return query, words
