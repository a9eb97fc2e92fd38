"""Articles written for the index tests: two events, one with a wire story and its copies."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from newsagg.core.schema import Article, Changes

NOW = datetime.now(timezone.utc).replace(microsecond=0)

STORM_TEXT = ("A winter storm pushed waves over the harbour wall in Kestrel Bay on Tuesday night, "
              "flooding the fish market and stranding two ferries. The harbour master said the "
              "sea wall held for six hours before the surge broke through near the old lighthouse.")
ELECTION_TEXT = ("Voters in the river province of Maranth elect a new council on Sunday. The governing "
                 "alliance promised cheaper bus fares while the opposition campaigned on school repairs.")


def art(slug: str, title: str, text: str, outlet: str, hours_ago: float, event: str | None = None,
        group: str | None = None, **kw) -> Article:
    return Article(url=f"https://{outlet}.example/{slug}", outlet=outlet, domain=f"{outlet}.example",
                   title=title, text=text, published=NOW - timedelta(hours=hours_ago), event_id=event,
                   group_id=group, language=kw.pop("language", "en"), **kw)


def storm_articles(event: str = "ev-storm") -> list[Article]:
    wire = art("storm-wire", "Storm floods Kestrel Bay harbour", STORM_TEXT, "wirewire", 5, event, "g-wire",
               is_originator=True, country="GB", countries=["GB"], keywords=["storm", "harbour"],
               entities={"place": {"Kestrel Bay": 3}, "person": {"Ada Moss": 1}}, summary="Storm floods harbour.")
    copy1 = art("storm-copy", "Harbour flooded as storm hits Kestrel Bay", STORM_TEXT + " READ ALSO: tides.",
                "coastdaily", 4, event, "g-wire", copies_of=wire.id, similarity=0.93,
                changes=Changes(added=["READ ALSO: tides."], title_changed=True),
                country="GB", countries=["GB"], keywords=["storm"], entities={"place": {"Kestrel Bay": 2}})
    copy2 = art("storm-copy2", "Storm floods Kestrel Bay harbour", STORM_TEXT, "bayherald", 3.5, event, "g-wire",
                copies_of=wire.id, similarity=0.99, country="IE", keywords=["storm", "ferries"])
    own = art("storm-report", "Ferries stranded after harbour wall breaks",
              "Our reporter at the Kestrel Bay lighthouse saw the surge break the harbour wall and two ferries "
              "drift against the pier. Fishermen spent the night moving boats inland.", "bayherald", 2,
              event, "g-own", is_originator=True, country="IE", keywords=["ferries"], language="en")
    return [wire, copy1, copy2, own]


def election_articles(event: str = "ev-election") -> list[Article]:
    return [art("maranth-vote", "Maranth elects a new council", ELECTION_TEXT, "wirewire", 30, event, "g-el",
                is_originator=True, keywords=["election"], language="en"),
            art("maranth-wahl", "Maranth wählt einen neuen Rat",
                "Die Wähler der Flussprovinz Maranth wählen am Sonntag einen neuen Rat. Die Regierung "
                "versprach billigere Busfahrten.", "tagesbote", 29, event, "g-el-de", is_originator=True,
                language="de")]


def index_all(store, articles):
    failures = store.upsert_articles(articles)
    assert failures == []
    store.refresh_clusters({a.event_id for a in articles if a.event_id})
