"""What a page shows a learner, as text, and the ways a page writes a number: for tests that a question's answer is
not on the page while the question is open.

``page_text`` collects every place a page writes numbers (markdown, captions, formulas, notes, code, tables, metrics,
widget labels, chart titles, annotations and cell texts, the grids drawn as pictures, image captions), leaving out
the "Predict, then reveal" panel itself (its prompts and answer boxes). ``written_forms`` turns an answer into
patterns of how the page would write it; ``shows`` says whether a text states an answer.
"""

import base64
import html
import json
import re

from cvcore import lessons

__all__ = ["QUESTIONS_PANEL", "page_text", "note_text", "written_forms", "shows"]

QUESTIONS_PANEL = "Predict, then reveal"
_SVG = "data:image/svg+xml;base64,"
_GLOSSARY_LINK = re.compile(r"\[([^\]]+)\]\(glossary#[^)]+\)")  # "[max pooling](glossary#max-pooling)"
_TEXT = ("markdown", "caption", "latex", "code", "info", "success", "warning", "error", "text", "title", "header",
         "subheader", "exception")
_CHART_TEXT_KEYS = ("text", "texttemplate", "name")
_CELL = "[cell] "  # a table cell, one a line
_GIVEN_COLUMNS = ("layer", "layers", "weights", "design", "step")  # columns that restate the settings


def _chart_texts(spec: str) -> list[str]:
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    found = []

    def title(node):
        if isinstance(node, dict):
            node = node.get("text")
        if isinstance(node, str):
            found.append(node)

    title(layout.get("title"))
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            title(axis.get("title"))
    found += [str(a.get("text", "")) for a in layout.get("annotations", []) if isinstance(a, dict)]
    for trace in figure.get("data", []):
        for key in _CHART_TEXT_KEYS:
            value = trace.get(key)
            if isinstance(value, list):
                found += [str(v) for row in value for v in (row if isinstance(row, list) else [row])]
            elif value is not None:
                found.append(str(value))
    return found


def _svg_text(markup: str) -> str:
    return " ".join(html.unescape(t) for t in re.findall(r">([^<>]+)<", markup) if t.strip())


def _element_texts(node) -> list[str]:
    kind = node.type
    if kind in _TEXT:
        return [str(node.value)]
    if kind == "metric":
        return [node.label, str(node.value), str(node.proto.delta or "")]
    if kind in ("dataframe", "table"):
        if getattr(node.proto, "editing_mode", 0):  # a grid the learner edits (an input, a kernel): given
            return []
        frame = node.value
        return [" ".join(map(str, frame.columns))] + [f"{_CELL}{v}" for column in frame.columns
                                                      if str(column) not in _GIVEN_COLUMNS for v in frame[column]]
    if kind == "plotly_chart":
        return _chart_texts(node.proto.spec)
    if kind == "image":
        return [_svg_text(base64.b64decode(img.url[len(_SVG):]).decode()) if img.url.startswith(_SVG) else ""
                for img in node.proto.imgs] + [img.caption for img in node.proto.imgs]
    return [str(getattr(node, "label", "") or "")]  # a widget's label; its options are the settings' names


def _walk(node, out: list[str]) -> None:
    for child in getattr(node, "children", {}).values():
        if child.type == "expander" and child.label == QUESTIONS_PANEL:
            continue
        if hasattr(child, "children") and child.type not in ("image",):
            out += [str(child.label)] if child.type == "expander" else []
            _walk(child, out)
        else:
            out += _element_texts(child)


# What is not an answer although it reads like one: the sizes of what the learner set (the input, the kernel, a
# window), in a grid's title and its alt text or beside the word. Taken out before looking for answers.
_GIVEN = r"(?:input|image|kernel|filter|window|photo|slice|map|region)s?"
_BY = r"\s*(?:x|×|\\times)\s*"
_SIZE = rf"\d+{_BY}\d+(?:{_BY}\d+)*"
_NOT_ANSWERS = (rf"(?i)\b{_GIVEN}\b(?: (?:of|is|are))?[\s}}]*{_SIZE}", rf"(?i)\b{_SIZE}\s+(?:[a-z]+\s+)?{_GIVEN}\b",
                rf"(?i)\b{_SIZE},? padded to {_SIZE}", rf"\bon {_SIZE}")


def _given_line(line: str) -> bool:
    """A grid whose title names what was given (the input, the kernel), or one output cell's arithmetic
    ("3×1 + 1×0 ... = -5", "max(1, 3, 2, 9) = 9"): its numbers are values, not sizes or counts."""
    return (re.match(r"(?i)(input|kernel|filter|course:|window|padded)\b", line) is not None
            or re.search(r"-?[\d.]+×\(?-?[\d.]+\)? \+|\b(?:max|mean|avg)\(", line) is not None)


def page_text(at) -> str:
    """Everything the page (main area and sidebar) writes outside "Predict, then reveal", one piece per line, less
    what only restates the settings (``_NOT_ANSWERS``)."""
    out: list[str] = []
    _walk(at.main, out)
    _walk(at.sidebar, out)
    lines = [line for piece in out if piece for line in piece.splitlines() if not _given_line(line)]
    text = _GLOSSARY_LINK.sub(r"\1", "\n".join(lines))  # a glossary link reads as its words
    for pattern in _NOT_ANSWERS:
        text = re.sub(pattern, " ", text)
    return text


def note_text(at) -> str:
    """The lesson's "What to notice" note on screen ("" if none)."""
    return _GLOSSARY_LINK.sub(r"\1", "\n".join(i.value for i in at.info if str(i.value).startswith("**What to notice.**")))


def _int_forms(n: int, side: bool) -> list[str]:
    by = r"\s*(?:x|×|\\times)\s*"
    forms = [rf"[\d)\]}}]\s*=\s*{n}(?![\d]|[.,]\d)", rf"\(of {n}\)",
             rf"(?m)^{re.escape(_CELL)}(?:{n}|{n:,}|{n}{by}{n})$"]  # a table cell that is the answer, whole
    if not side:  # a count, written beside what it counts
        forms += [rf"(?<![\d.,]){n} (?:parameters|weights|multiplications|numbers)\b",
                  rf"\b(?:parameters|weights|multiplications)\W{{0,4}}{n}(?![\d]|[.,]\d)"]
    else:
        forms.append(rf"(?m)^(?!{re.escape(_CELL)}).*?(?<![\d.]){n}{by}{n}(?!\d|\.\d)")
    if n >= 100:
        forms += [rf"(?<![\d.,]){re.escape(f'{n:,}')}(?![\d]|[.,]\d)", rf"(?<![\d.,]){n}(?![\d]|[.,]\d)"]
    return forms


def written_forms(question: lessons.Question) -> list[str]:
    """Regular expressions for how a page writes ``question``'s answer: for an int n "= n" after a computation,
    "(of n)", a table cell n, n itself (also as "1,234") from 100 on, and for a side (a fact named "..._side")
    "nxn" ("n×n", "n \\times n"); a float at any precision of
    two decimals or more within the question's tolerance (see ``shows``); a choice as a whole word."""
    answer = question.answer
    if question.choices or isinstance(answer, str):
        return [rf"\b{re.escape(str(answer))}\b"]
    if isinstance(answer, int) or float(answer).is_integer() and question.tolerance == 0:
        return _int_forms(int(answer), question.fact.endswith("_side"))
    return []


def shows(text: str, question: lessons.Question) -> list[str]:
    """The pieces of ``text`` that state ``question``'s answer (empty if none)."""
    found = [m.group(0) for form in written_forms(question) for m in re.finditer(form, text)]
    if isinstance(question.answer, float) and not question.choices:
        tolerance = max(question.tolerance, 1e-9)
        found += [m for m in re.findall(r"(?<![\d.])-?\d+\.\d{2,}(?!\d)", text)
                  if abs(float(m) - question.answer) <= tolerance]
    return found
