"""Small invented pages and sites for the crawler's tests and benchmark.

The texts are written for this project. Pages carry the clutter real outlets
have (navigation, cookie banner, share buttons, related links, footer) so the
extractor has something to remove.
"""
from __future__ import annotations

import html
import json
from datetime import datetime

WORDS = ("harbour pilots tide crane quay ferry council engineers warehouse storm night shift "
         "barrier repairs inspectors timber cargo lighthouse residents volunteers gauge").split()


def prose(seed: int, sentences: int = 12) -> list[str]:
    """Deterministic invented paragraphs (about 15 words a sentence, 3 sentences a paragraph)."""
    out, para = [], []
    for i in range(sentences):
        words = [WORDS[(seed * 7 + i * 5 + j * 3) % len(WORDS)] for j in range(14)]
        para.append(f"The {' '.join(words)} reported number {seed * 100 + i}.")
        if len(para) == 3:
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return out


def article_html(*, title: str, paragraphs: list[str], canonical: str | None = None,
                 published: datetime | None = None, authors: tuple[str, ...] = ("Mara Quill",),
                 image: str | None = "/img/lead.jpg", section: str = "Local", lang: str = "en",
                 json_ld: bool = True, amp: bool = False, charset: str = "utf-8", extra_head: str = "") -> str:
    esc = html.escape
    head = [f'<meta charset="{charset}">', f"<title>{esc(title)} | The Test Courier</title>"]
    if canonical:
        head.append(f'<link rel="canonical" href="{esc(canonical)}">')
        head.append(f'<meta property="og:url" content="{esc(canonical)}">')
    head.append(f'<meta property="og:title" content="{esc(title)}">')
    head.append('<meta property="og:type" content="article">')
    if image:
        head.append(f'<meta property="og:image" content="{esc(image)}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published.isoformat()}">')
    if json_ld:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
              "author": [{"@type": "Person", "name": a} for a in authors], "articleSection": section,
              "inLanguage": lang, **({"image": [image]} if image else {}),
              **({"datePublished": published.isoformat()} if published else {})}
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    byline = ", ".join(authors)
    return f"""<!DOCTYPE html>
<html lang="{lang}"{' amp' if amp else ''}><head>{''.join(head)}{extra_head}</head><body>
<a href="#main">Skip to content</a>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news/">News</a></li><li><a href="/sport/">Sport</a></li>
<li><a href="/weather/">Weather</a></li></ul></nav>
<main id="main"><article>
<h1>{esc(title)}</h1><p class="byline">By {esc(byline)}</p>
{body}
</article>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/news/other-1.html">Council votes on ferry fares</a></li>
<li><a href="/news/other-2.html">Lighthouse open day draws crowds</a></li></ul></aside></main>
<footer><p>&copy; The Test Courier. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def front_html(links: list[tuple[str, str]], title: str = "The Test Courier - News") -> str:
    items = "".join(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>' for href, text in links)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta property="og:type" content="website"></head><body><nav><a href="/">Home</a></nav>'
            f"<h1>Latest news</h1><ul>{items}</ul><footer>&copy; The Test Courier</footer></body></html>")


def video_html(title: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta property="og:type" content="video.other"></head><body><h1>{html.escape(title)}</h1>'
            f'<div class="player"><video src="/media/clip.mp4" controls></video></div>'
            f"<p>Watch the harbour crane lift the new gate into place.</p></body></html>")
