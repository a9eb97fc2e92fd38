"""The demo's hand-off (newsagg.demo.handin): crawled articles enter the pipeline in publication
order, the same order in every run, and a broker that goes away loses none of them."""
from __future__ import annotations

import base64
import json
import random

import pytest

from newsagg.core.errors import HandoffError
from newsagg.core.schema import article_id
from newsagg.core.settings import Settings
from newsagg.demo.handin import SPOOL_NAME, hand_in, publication_order

OUTLETS = ("Northwire", "Valley Courier", "Metro Digest", "Rheinblatt", "Capital Ledger", "Alpen-Kurier")


def row(outlet: str, port: int, slug: str, published: str | None, fetched: str = "2026-12-01T12:00:00Z") -> dict:
    url = f"http://127.0.0.1:{port + OUTLETS.index(outlet)}/news/2026/12/{slug}.html"  # one port an outlet
    return {"id": article_id(url), "url": url, "canonical_url": url, "outlet": outlet, "title": slug.replace("-", " "),
            "text": f"{slug.replace('-', ' ').capitalize()}. " * 30, "published": published, "fetched": fetched}


def demo_rows(port: int) -> list[dict]:
    # ties as the demo has many: a copy published the same hour as its original, on other outlets
    return [row("Northwire", port, "storm-hits-harbour", "2026-11-29T15:00:00Z"),
            row("Valley Courier", port, "storm-hits-harbour", "2026-11-29T15:00:00Z"),
            row("Metro Digest", port, "harbour-storm-copy", "2026-11-29T15:00:00Z"),
            row("Rheinblatt", port, "sturm-im-hafen", "2026-11-29T18:00:00+00:00"),
            row("Capital Ledger", port, "rates-held", "2026-11-28T09:30:00Z"),
            row("Alpen-Kurier", port, "no-date-shown", None, fetched="2026-11-29T16:00:00Z")]


def keys(rows: list[dict]) -> list[tuple[str, str]]:
    return [(r["outlet"], r["url"].rsplit("/", 1)[-1]) for r in rows]


def test_publication_order_is_the_same_whatever_the_crawl_order_and_the_ports():
    rng = random.Random(7)
    first, second = demo_rows(38001), demo_rows(41517)  # `--port 0`: other ports, other article ids
    rng.shuffle(first)
    rng.shuffle(second)
    assert keys(publication_order(first)) == keys(publication_order(second)) == [
        ("Capital Ledger", "rates-held.html"),
        ("Metro Digest", "harbour-storm-copy.html"),  # ties: by outlet, then URL path, not by id
        ("Northwire", "storm-hits-harbour.html"),
        ("Valley Courier", "storm-hits-harbour.html"),
        ("Alpen-Kurier", "no-date-shown.html"),  # no date on the page: its fetch time
        ("Rheinblatt", "sturm-im-hafen.html")]


def queued_ids(client, queue: str = "enrich") -> list[str]:
    """Article ids of the queue's messages, the first to be taken first (kombu LPUSHes, BRPOPs)."""
    bodies = [json.loads(m)["body"] for m in reversed(client.lrange(queue, 0, -1))]
    return [json.loads(base64.b64decode(b))[0][0]["id"] for b in bodies]


@pytest.mark.slow
def test_the_spool_survives_a_broker_outage_and_goes_to_the_queue_in_publication_order(tmp_path, redis_server):
    import redis

    settings = Settings(redis_url=redis_server.url, data_dir=tmp_path / "data")
    spool = settings.ensure_data_dir() / SPOOL_NAME
    rows = demo_rows(38001)
    random.Random(3).shuffle(rows)
    spool.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n", encoding="utf-8")

    redis_server.stop()
    with pytest.raises(HandoffError) as failed:
        hand_in(spool, settings)
    assert str(spool) in str(failed.value) and "go first when the demo runs again" in str(failed.value)
    kept = [json.loads(line) for line in spool.read_text(encoding="utf-8").splitlines()]
    assert keys(kept) == keys(publication_order(rows))  # nothing lost, already in order

    redis_server.start()
    done = hand_in(spool, settings)
    assert done.handed_in == len(rows) and not spool.exists()
    client = redis.Redis.from_url(redis_server.url)
    assert queued_ids(client) == [r["id"] for r in publication_order(rows)]


def test_malformed_spool_lines_are_counted_and_skipped(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    spool = settings.ensure_data_dir() / SPOOL_NAME
    spool.write_text("[1, 2]\n{broken\n\n", encoding="utf-8")
    done = hand_in(spool, settings)
    assert (done.handed_in, done.malformed_lines) == (0, 2) and not spool.exists()
