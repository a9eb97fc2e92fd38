"""`newsagg extract`: run the article extractor on saved pages."""
from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import click

from newsagg.crawler.extract import extract_article


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default=None, help="The page's address (for relative links and the canonical URL); default: file:// of the file.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object a line (the default; kept for scripts that pass it).")
def extract(files: tuple[Path, ...], url: str | None, as_jsonl: bool) -> None:
    """Extract article fields from saved HTML pages (.html or .html.gz), one JSON object per file, in order.

    \b
    Fields: url, canonical_url, title, text, authors, published, language, image;
    a page that is not an article also gets "skip_reason".
    \b
    Example:
      newsagg extract page.html --url https://example.org/news/1.html
    """
    bad = 0
    for path in files:  # one bad file is a line on stderr; the batch goes on
        try:
            body = read_page(path)
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            bad += 1
            click.echo(f"{path}: cannot read: {exc}", err=True)
            continue
        page = extract_article(body, url or path.resolve().as_uri())
        out = page.to_cli_json()
        if page.skip_reason:
            out["skip_reason"] = page.skip_reason
        if page.error:
            bad += 1
            click.echo(f"{path}: {page.skip_reason}", err=True)
        click.echo(json.dumps(out, ensure_ascii=False))
    if bad:
        raise click.ClickException(f"{bad} of {len(files)} file(s) could not be read or extracted (listed above)")
