"""Markdown to safe HTML: markdown-it renders, then an allowlist sanitiser keeps only plain
formatting. Raw HTML in the source is shown as text, never run."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False: raw HTML in a description is escaped by markdown-it itself. The sanitiser below is
# a second wall, so a bug or option change in either one alone cannot let script through.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}
# No images: a description must not make the browser fetch anything.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


CACHED_MAX = 8_000  # texts up to this long are kept once rendered (policies, most descriptions)


def render_markdown(text: str) -> Markup:
    """Return sanitised HTML for Markdown `text`, safe to put into a page as is.

    Rendering costs about 10 microseconds a character, and more for some shapes (a policy of
    20,000 '[' took a quarter of a second), while every board shows every stage's policy: so
    a text is rendered once and kept, by its content, for every later view in this process.
    """
    if not text.strip():
        return Markup("")
    return _rendered(text) if len(text) <= CACHED_MAX else _render(text)


@lru_cache(maxsize=2048)
def _rendered(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    html = _md.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - the output of the allowlist sanitiser above
