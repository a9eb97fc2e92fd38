"""Commands of the index stage: `newsagg index …`, `newsagg search`, `newsagg story`, `newsagg kibana …`."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from newsagg.core.commands import counted, current_runtime
from newsagg.core.settings import get_settings
from newsagg.index.base import StoreUnavailable
from newsagg.index.documents import SORTS, SearchInputError, SearchRequest, word_diff
from newsagg.index.kibana import KibanaError, import_saved_objects


def _store():
    try:
        return current_runtime().open_search_store()
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None


class _Guard:
    """Turn the errors a user can act on into one clear line (no traceback)."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type and issubclass(exc_type, (StoreUnavailable, SearchInputError)):
            raise click.ClickException(str(exc)) from None
        return False


def _es_admin():
    """Elasticsearch administration (templates, migrate, rollover, roles): needs ELASTICSEARCH_URL."""
    settings = get_settings()
    if not settings.elasticsearch_url:
        raise click.ClickException(
            "this command manages Elasticsearch indices: set ELASTICSEARCH_URL (and ELASTICSEARCH_API_KEY or "
            "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD). The embedded SQLite store needs no setup.")
    from newsagg.index.es_admin import EsAdmin  # imports the elasticsearch client: only when needed

    try:
        return EsAdmin(settings)
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# ---------------------------------------------------------------- newsagg index
@click.group("index")
def index() -> None:
    """Set up and maintain the search store (Elasticsearch indices, or the embedded SQLite file).

    \b
    Example:
      ELASTICSEARCH_URL=https://es.example:9200 newsagg index setup
      newsagg index status
    """


@index.command("setup")
def index_setup() -> None:
    """Create what the store needs (idempotent): templates, versioned indices, aliases.

    \b
    Example:
      newsagg index setup
    """
    with _Guard(), _store() as store:
        click.echo(store.setup(force=True))


@index.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def index_status(as_json: bool) -> None:
    """Counts of articles and clusters, and (Elasticsearch) which indices each alias points to.

    \b
    Example:
      newsagg index status --json
    """
    with _Guard(), _store() as store:
        info = store.status()
    if as_json:
        _echo_json(info)
    else:
        for k, v in info.items():
            click.echo(f"{k:10s} {v}")


@index.command("migrate")
@click.option("--force", is_flag=True, help="Build a new version even if the mapping did not change.")
@click.option("--delete-old", is_flag=True, help="Delete the old indices after the alias swap.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=1), default=21600, show_default=True,
              help="Seconds to follow the reindex before stopping (the copy goes on in the cluster; run again "
                   "to follow it).")
def index_migrate(force: bool, delete_old: bool, timeout_s: float) -> None:
    """Build the next index version, reindex into it and swap the aliases (no downtime).

    Run it after upgrading newsagg when the index templates changed. The copy runs as a
    cluster task; progress goes to stderr, and the alias moves only once the copy completed
    without failures. Stopped, failed or timed out: run it again (it follows the running
    copy or starts it over into the same new index).

    \b
    Example:
      newsagg index migrate              # only indices whose template version is newer
      newsagg index migrate --force --delete-old
    """
    from newsagg.index.es_admin import MigrationError

    shown: dict[str, float] = {}

    def progress(p) -> None:
        now = time.monotonic()
        if now - shown.get(p.task, 0.0) < 10 and not (p.total and p.done >= p.total):
            return  # a line every 10 s, and the last one
        shown[p.task] = now
        pct = f" ({100 * p.done // p.total}%)" if p.total else ""
        click.echo(f"{p.kind}: copied {p.done}/{p.total or '?'}{pct} into {p.dest}, {p.seconds:.0f} s "
                   f"(task {p.task})", err=True)

    with _Guard(), _es_admin() as admin:
        try:
            report = admin.migrate(force=force, delete_old=delete_old, timeout_s=timeout_s, progress=progress)
        except MigrationError as exc:
            raise click.ClickException(str(exc)) from None
        _echo_json(report)


@index.command("rollover")
@click.option("--max-age", default=None, help="Roll over only if the write index is older than this (e.g. 7d).")
@click.option("--max-docs", type=int, default=None, help="Roll over only if the write index holds this many articles.")
def index_rollover(max_age: str | None, max_docs: int | None) -> None:
    """Start a new articles index behind the alias (clusters without ILM: run it from cron or beat).

    \b
    Example:
      newsagg index rollover --max-age 7d
    """
    with _Guard(), _es_admin() as admin:
        r = admin.rollover(max_age=max_age, max_docs=max_docs)
        click.echo(f"rolled over: {r.get('rolled_over')} ({r.get('old_index')} -> {r.get('new_index')})")


@index.command("roles")
@click.option("--file", "roles_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Role definitions (default: deploy/elasticsearch/roles.json).")
def index_roles(roles_file: Path | None) -> None:
    """Create the Elasticsearch roles: newsagg_editor (read-only), newsagg_writer (workers),
    newsagg_admin (index setup/migrate). Run it as a user allowed to manage security.

    \b
    Example:
      ELASTICSEARCH_USERNAME=elastic ELASTICSEARCH_PASSWORD=... newsagg index roles
    """
    with _Guard(), _es_admin() as admin:
        click.echo("roles: " + ", ".join(admin.put_roles(roles_file)))


# ---------------------------------------------------------------- newsagg search / story
def _print_results(results: list[dict[str, Any]], request: SearchRequest, looser: int) -> None:
    if not results:
        q = request.parsed
        if looser:
            click.echo(f"No story matches all of {request.query!r}. {counted(looser, 'story', 'stories')} match "
                       f"the looser form: newsagg search '{q.looser()}'")
        else:
            click.echo("No stories match. Try fewer words, a longer --since, or check `newsagg index status`.")
        return
    for n, r in enumerate(results, 1):
        click.secho(f"{n}. {r['headline']}", bold=True)
        click.echo(f"   {counted(r['article_count'], 'article')}, {counted(r['outlet_count'], 'outlet')}, "
                   f"{counted(r['copy_count'], 'copy', 'copies')}, "
                   f"languages {', '.join(r['languages']) or '-'}; first seen {r['first_seen']}, "
                   f"updated {r['last_updated']}")
        orig = r.get("originator") or {}
        if orig:
            click.echo(f"   first: {orig.get('outlet')} {orig.get('url')}")
        for a in r["top_articles"]:
            copies = f" (+{counted(a['copies'], 'copy', 'copies')})" if a["copies"] else ""
            click.echo(f"   - [{a['outlet']}] {a['title']}{copies}  {a['url']}")
        click.echo(f"   story: newsagg story {r['cluster_id']}"
                   + (f"   storyline: newsagg story {r['storyline_id']}" if r.get("storyline_id") else ""))


@click.command("search")
@click.argument("query", required=False, default="")
@click.option("--since", default=None, help="Only articles from this far back: 24h, 3 days, yesterday, or a date (2026-05-01).")
@click.option("--until", default=None, help="Only articles before this: 2 days, yesterday (its end), or a date.")
@click.option("--outlet", default=None, help="Only articles of this outlet (its name in the sources file).")
@click.option("--lang", default=None, help="Only articles in this language (ISO 639-1, e.g. en, de).")
@click.option("--country", default=None, help="Only articles from outlets in, or mentioning, this country (ISO 3166, e.g. GB).")
@click.option("--entity", default=None, help="Only articles naming this person, place or organisation (any case).")
@click.option("--min-outlets", default=0, type=click.IntRange(0), help="Only stories covered by at least this many outlets.")
@click.option("--storyline", default=None, help="Only stories of this storyline (the id search prints).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="relevance (size and recency a mild boost), recent (latest update first) or size (articles).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="How many stories.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (the same shape on every store).")
def search(query: str, as_json: bool, **filters: Any) -> None:
    """Search the stories: one result per story, with its top articles, copies and storyline.

    Every word must match (headline or text, stemmed); "quoted words" match as a phrase;
    OR between words accepts either; -word excludes. With no QUERY: the latest stories.

    \b
    Example:
      newsagg search "storm harbour" --since 24h
      newsagg search '"sea wall" storm -tram' --sort recent
      newsagg search election --lang de --min-outlets 3 --json
    """
    with _Guard():  # bad input is the first thing to say
        request = SearchRequest(query=query, **filters)
    settings = current_runtime().settings
    where = _store_location(settings)
    if not settings.elasticsearch_url and not (settings.data_dir / "newsagg.sqlite").exists():
        # tell, don't create: an empty store made here would answer "no stories" for ever
        raise click.ClickException(
            f"no search store at {where}: nothing was crawled with NEWSAGG_DATA_DIR={settings.data_dir}. "
            f"Run `newsagg demo` or `newsagg crawl` first, or run this where they ran (or set NEWSAGG_DATA_DIR).")
    with _Guard(), _store() as store:
        results = store.search(request)
        looser = 0
        if not results and request.parsed.can_loosen:
            looser = len(store.search(SearchRequest(**{**filters, "query": request.parsed.looser()})))
        empty = not results and store.count_articles() == 0
    if as_json:
        _echo_json(results)
    elif empty:
        click.echo(f"The search store at {where} is empty: nothing has been indexed yet "
                   f"(`newsagg deadletter list` shows articles that failed).")
    else:
        _print_results(results, request, looser)


def _print_storyline(s: dict[str, Any]) -> None:
    click.secho(f"Storyline {s['storyline_id']}: {counted(len(s['stories']), 'story', 'stories')}", bold=True)
    for st in s["stories"]:
        click.echo(f"  {st['first_seen']}  {st['headline']}  ({counted(st['article_count'], 'article')}, "
                   f"{counted(st['outlet_count'], 'outlet')})  newsagg story {st['event_id']}")


def _store_location(settings) -> str:
    """Which store a command reads, for messages (no password)."""
    if settings.elasticsearch_url:
        from newsagg.core.services import redact_url

        return f"Elasticsearch {redact_url(settings.elasticsearch_url)} (indices {settings.index_prefix}-*)"
    return str((settings.data_dir / "newsagg.sqlite").resolve())


def _print_story(s: dict[str, Any]) -> None:
    if s.get("redirected_from"):
        click.echo(f"({s['redirected_from']} was merged into {s['event_id']})")
    if s.get("opened_from"):
        click.echo(f"(the story of article {s['opened_from']['article_id']})")
    click.secho(s["headline"], bold=True)
    click.echo(f"{counted(s['article_count'], 'article')} from {counted(s['outlet_count'], 'outlet')} in "
               f"{', '.join(s['languages']) or '-'}; first seen {s['first_seen']}, updated {s['last_updated']}")
    if s.get("storyline_id"):
        click.echo(f"Storyline: newsagg story {s['storyline_id']}")
    if s.get("summary"):
        click.echo(s["summary"])
    o = s["originator"]
    click.echo(f"\nOriginator: {o['outlet']} at {o['published']}  {o['url']}")
    click.echo(f"Outlets: {', '.join(s['outlets'])}")
    if s.get("top_entities"):
        click.echo("Entities: " + ", ".join(f"{e['name']} ({e['count']})" for e in s["top_entities"][:10]))
    click.echo("\nTimeline (articles per hour):")
    peak = max(t["count"] for t in s["timeline"])
    for t in s["timeline"]:
        click.echo(f"  {t['hour']}  {'#' * max(1, round(20 * t['count'] / peak))} {t['count']}")
    arts = {a["id"]: a for a in s["articles"]}
    click.echo(f"\nCopy groups ({s['group_count']}):")
    for g in s["groups"]:
        click.echo(f"  {g['group_id']}: {counted(g['size'], 'article')}, first by {g['originator_outlet']}")
        for aid in g["article_ids"]:
            a = arts.get(aid)
            if not a:
                continue
            role = "original" if not a["copies_of"] else f"copy (similarity {a['similarity'] or 0:.2f})"
            click.echo(f"    - {a['published']} [{a['outlet']}] {a['title']} - {role}")
            ch = a.get("changes") or {}
            if ch.get("title_changed"):
                click.echo("        new headline")
            for p in ch.get("added", [])[:3]:
                click.echo(f"        + {p[:160]}")
            for p in ch.get("removed", [])[:3]:
                click.echo(f"        - {p[:160]}")
            for old, new in ch.get("changed", [])[:3]:
                click.echo(f"        ~ {word_diff(old, new)}")


@click.command("story")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the story as JSON.")
def story(ref: str, as_json: bool) -> None:
    """Show one story: timeline, outlets, originator, copy groups and the words each copy changed.

    REF is a story (event) id as `newsagg search` prints it (a merged story's old id still
    works), an article id, an article URL, or a storyline id (then its stories in order).

    \b
    Example:
      newsagg story ev-3f1c9a0e7b2d4c55aa01
      newsagg story https://example.com/news/storm-floods-harbour.html
    """
    with _Guard(), _store() as store:
        s = store.open_story(ref)
    if s is None:
        raise click.ClickException(f"no story, article or storyline {ref!r}: take an id from `newsagg search QUERY`")
    if as_json:
        _echo_json(s)
    elif "stories" in s:
        _print_storyline(s)
    else:
        _print_story(s)


# ---------------------------------------------------------------- newsagg kibana
@click.group("kibana")
def kibana() -> None:
    """Kibana for editors: data views, saved searches and a dashboard over the newsagg indices.

    \b
    Example:
      KIBANA_URL=https://kibana.example:5601 newsagg kibana setup
    """


@kibana.command("setup")
@click.option("--url", default=None, help="Kibana URL (default: KIBANA_URL).")
@click.option("--space", default=None, help="Kibana space id (default: the default space).")
@click.option("--objects", "objects_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Directory of saved objects (*.ndjson); default: deploy/kibana.")
@click.option("--force", is_flag=True, help="Overwrite every object, also those an editor changed in Kibana.")
def kibana_setup(url: str | None, space: str | None, objects_dir: Path | None, force: bool) -> None:
    """Import the saved objects Kibana lacks or holds in an older version (data views, searches,
    charts, dashboard) through Kibana's saved-objects API. An object an editor changed since is
    kept; --force overwrites it.

    Credentials: KIBANA_API_KEY, else ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD.

    \b
    Example:
      newsagg kibana setup --url http://127.0.0.1:5601
    """
    settings = get_settings()
    url = url or settings.kibana_url
    if not url:
        raise click.ClickException("give the Kibana URL: --url http://HOST:5601 or KIBANA_URL")
    try:
        result = import_saved_objects(url, settings, space=space, objects_dir=objects_dir, force=force)
    except KibanaError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"imported {result['successCount']} saved objects into Kibana at {result['url']}")
    if result["kept"]:
        click.echo(f"kept {len(result['kept'])} as they are in Kibana (changed there, or already this version; "
                   f"--force overwrites): {', '.join(result['kept'])}")
