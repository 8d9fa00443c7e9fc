"""Markdown from notes as HTML that is safe to show, for the site and the desk."""

from __future__ import annotations

import re

import bleach
from markdown_it import MarkdownIt
from markupsafe import escape

# What Markdown may become: no images (a visitor's browser would fetch
# whatever host a note names: they become links), no raw HTML (shown as text).
MARKDOWN_TAGS = [
    "a", "abbr", "acronym", "b", "blockquote", "br", "code", "em", "i", "li", "ol",
    "strong", "ul", "pre", "p", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
]  # fmt: skip
# Characters of Markdown rendered by the SQL function (the feed's entries);
# markdown-it and bleach take linear time, so this bounds a call.
MARKDOWN_FUNCTION_CHARS = 10_000
# ... and on a page (an outcome's or session's whole text).
MARKDOWN_PAGE_CHARS = 200_000


def _image_as_link(renderer, tokens, index, options, env):
    """An image in a note is a link to it, never loaded by the page."""
    token = tokens[index]
    alt = token.content or token.attrGet("src")
    return f'<a href="{escape(token.attrGet("src") or "")}">{escape(alt)}</a>'


_markdown = MarkdownIt("commonmark", {"html": False})
_markdown.add_render_rule("image", _image_as_link)
# Every link is kept for bleach to judge: one with a refused scheme
# (javascript:...) keeps its text and loses its address.
_markdown.validateLink = lambda url: True


def markdown_html(text: str | None, limit: int = MARKDOWN_PAGE_CHARS) -> str:
    """Markdown as HTML that is safe to show: raw HTML is escaped, links keep
    only http(s) and mailto, images become links. Linear in the text, of
    which the first ``limit`` characters are read (``…`` marks a cut)."""
    text = text or ""
    if len(text) > limit:
        text = text[:limit] + " …"
    html = _markdown.render(text)
    return bleach.clean(html, tags=MARKDOWN_TAGS, attributes={"a": ["href", "title"]}, strip=False)


def markdown_function(text: str | None) -> str:
    return markdown_html(text if isinstance(text, str) else None, MARKDOWN_FUNCTION_CHARS)


def markdown_text(text: str | None, limit: int = MARKDOWN_PAGE_CHARS) -> str:
    """Markdown as plain text, for descriptions that must hold no markup
    (DCAT's, schema.org's): paragraphs, list items, headings and quotes
    kept apart by blank lines, the rest of the whitespace folded, control
    characters (which XML forbids) as spaces.

    Read from markdown-it's tokens: the same text as the HTML of
    ``markdown_html`` stripped of its tags (tests/test_opendata.py compares
    them), without bleach, whose first call takes 20 ms of a rebuild."""
    text = text or ""
    if len(text) > limit:
        text = text[:limit] + " …"
    parts, current = [], []
    for token in _markdown.parse(text):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    current.append(child.content)
                elif child.type == "softbreak":
                    current.append("\n")
                elif child.type == "hardbreak":
                    parts.append("".join(current))
                    current = []
                elif child.type == "image":  # a link to it, on a page: its text
                    current.append(child.content or child.attrGet("src") or "")
        elif token.type in ("fence", "code_block"):
            current.append(token.content)
        if token.type in _TEXT_BREAKS or (token.type == "paragraph_close" and not token.hidden):  # a list's tight items hide theirs
            parts.append("".join(current))
            current = []
        elif token.block:
            current.append("\n")
    parts.append("".join(current))
    return "\n\n".join(" ".join(part.split()) for part in (_CONTROL.sub(" ", part) for part in parts) if part.strip())


_TEXT_BREAKS = {"list_item_close", "heading_close", "blockquote_close"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
