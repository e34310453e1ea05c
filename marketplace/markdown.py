"""Markdown people write (task manuals, …) rendered to HTML that is safe to show.

Markdown passes raw HTML through, so the output always goes through the nh3 sanitiser with a
short allow-list. Images are left out on purpose: a manual has private attachments for
pictures, and an `<img>` pointing elsewhere would leak who read the page.
"""

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Render Markdown to sanitised HTML (links get rel="nofollow noopener noreferrer")."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty string
    html = _markdown.markdown(text, extensions=["sane_lists", "tables", "fenced_code"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        clean_content_tags={"script", "style"},
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output is sanitised HTML
