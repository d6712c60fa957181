"""A lab's words link to the glossary: the first mention of each glossary term in a lab's teaching text becomes a
Markdown link to the term's entry on the glossary page (``glossary#softmax``).

The link is relative, so it holds behind any base path (a lab at ``/convolution`` links to ``/glossary``); Streamlit
opens it in a new tab, so the lab keeps its state. ``start_lab`` links the terms of a lab's intro; a lab's later
notes go through ``markdown``, which links the terms the intro did not.
"""

import functools
import re

import streamlit as st

from cvcore.lessons import TERMS, Term

__all__ = ["GLOSSARY_URL", "link_terms", "start_page", "markdown"]

GLOSSARY_URL = "glossary"  # the glossary page's URL path (labs.glossary_page)
_LINKED = "_glossary.linked"  # the anchors this page's intro linked (set by start_page)
# Spans a link must not go into: code, LaTeX, an existing link or address, and bold markers (linked around).
_PROTECTED = re.compile(r"(`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\[[^\]]*\]\([^)]*\)|https?://\S+)", re.S)


@functools.cache
def _pattern() -> tuple[re.Pattern, dict[str, Term]]:
    """One alternation of every spelling of every term, longest first (so 'batch norm' wins over 'batch'). A
    spelling with a capital after its first letter (IoU, ReLU, NMS) matches as written; others in any case."""
    by_spelling: dict[str, Term] = {}
    for term in TERMS:
        for spelling in term.spellings:
            by_spelling.setdefault(spelling.lower(), term)
    spellings = sorted({s for t in TERMS for s in t.spellings}, key=len, reverse=True)
    parts = [re.escape(s) if any(c.isupper() for c in s[1:]) else f"(?i:{re.escape(s)})" for s in spellings]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])"), by_spelling


def link_terms(text: str, linked: set[str] | None = None) -> str:
    """``text`` (Markdown) with the first mention of each glossary term linked to its entry, in the words the text
    uses. Terms whose anchors are in ``linked`` are left as they are; the anchors linked here are added to it.
    Code, LaTeX and existing links are left alone; a code span that is exactly a term is linked as a whole.

    >>> link_terms("ReLU, then ReLU again")
    '[ReLU](glossary#relu), then ReLU again'
    >>> link_terms("`Conv2dNormActivation` with $f$ = 3", {"stride"})
    '[`Conv2dNormActivation`](glossary#conv2dnormactivation) with $f$ = 3'
    """
    linked = set() if linked is None else linked
    pattern, by_spelling = _pattern()

    def link(words: str, term: Term | None) -> str:
        if term is None or term.anchor in linked:
            return words
        linked.add(term.anchor)
        return f"[{words}]({GLOSSARY_URL}#{term.anchor})"

    out = []
    for i, piece in enumerate(_PROTECTED.split(text)):
        if i % 2:  # a protected span
            inner = piece.strip("`")
            code_term = by_spelling.get(inner.lower()) if piece.startswith("`") and pattern.fullmatch(inner) else None
            out.append(link(piece, code_term))
        else:
            out.append(pattern.sub(lambda m: link(m.group(0), by_spelling.get(m.group(0).lower())), piece))
    return "".join(out)


def start_page(intro: str) -> str:
    """The intro of a lab with its terms linked; the page's later ``markdown`` calls leave those terms alone."""
    linked: set[str] = set()
    text = link_terms(intro, linked)
    st.session_state[_LINKED] = frozenset(linked)
    return text


def markdown(text: str, where=st, **kwargs):
    """``where.markdown(text)`` with the terms the page's intro did not link linked at their first mention here
    (the same on every rerun of the part that draws it)."""
    return where.markdown(link_terms(text, set(st.session_state.get(_LINKED, ()))), **kwargs)
