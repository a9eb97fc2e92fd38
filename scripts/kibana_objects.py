"""Writes deploy/kibana/*.ndjson, the saved objects `newsagg kibana setup` imports.

    python scripts/kibana_objects.py      # after changing an object here: bump SHIPPED

Generated rather than hand-edited: visState, searchSourceJSON and panelsJSON are JSON inside
JSON, and every object must name its data view by reference. Charts that mean stories count
cluster documents (one per story), not articles. `updated_at` is the shipped version of every
object: `newsagg kibana setup` replaces an object in Kibana only when Kibana's copy is older.
"""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "deploy" / "kibana"
SHIPPED = "2026-12-02T03:00:00.000Z"  # bump when any object below changes
CLUSTERS, ARTICLES = "newsagg-clusters", "newsagg-articles"


def discover(search_id: str, field: str) -> dict:
    """A field format opening the saved search `search_id` filtered to this field's value."""
    return {"id": "url", "params": {"type": "a", "labelTemplate": "{{value}}", "openLinkInCurrentTab": False,
                                    "urlTemplate": f"/app/discover#/view/{search_id}?_a=(query:(language:kuery,"
                                                   f"query:'{field}:\"{{{{value}}}}\"'))"}}


LINK = {"id": "url", "params": {"type": "a", "urlTemplate": "{{value}}", "labelTemplate": "{{value}}",
                                "openLinkInCurrentTab": False}}


def data_view(view_id: str, name: str, time_field: str, formats: dict) -> dict:
    return {"type": "index-pattern", "id": view_id, "updated_at": SHIPPED, "references": [],
            "attributes": {"title": view_id, "name": name, "timeFieldName": time_field,
                           "fieldFormatMap": json.dumps(formats)}}


def source(query: str = "", extra: dict | None = None) -> dict:
    return {"searchSourceJSON": json.dumps({"query": {"query": query, "language": "kuery"}, "filter": [],
                                            "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
                                            **(extra or {})})}


def index_ref(view: str) -> list[dict]:
    return [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern", "id": view}]


def search(sid: str, title: str, view: str, query: str, columns: list[str], sort: list[list[str]], description: str) -> dict:
    return {"type": "search", "id": sid, "updated_at": SHIPPED, "references": index_ref(view),
            "attributes": {"title": title, "description": description, "columns": columns, "sort": sort,
                           "kibanaSavedObjectMeta": source(query)}}


def agg(i: int, kind: str, schema: str, **params) -> dict:
    return {"id": str(i), "enabled": True, "type": kind, "schema": schema, "params": params}


def terms(i: int, field: str, size: int, schema: str = "segment", order_by: str = "1", label: str = "") -> dict:
    return agg(i, "terms", schema, field=field, size=size, order="desc", orderBy=order_by, otherBucket=False,
               missingBucket=False, **({"customLabel": label} if label else {}))


def vis(vid: str, title: str, view: str, kind: str, aggs: list[dict], description: str, query: str = "",
        params: dict | None = None) -> dict:
    state = {"title": title, "type": kind, "params": {"type": kind, **(params or {})}, "aggs": aggs}
    return {"type": "visualization", "id": vid, "updated_at": SHIPPED, "references": index_ref(view),
            "attributes": {"title": title, "description": description, "visState": json.dumps(state),
                           "uiStateJSON": "{}", "version": 1, "kibanaSavedObjectMeta": source(query)}}


BAR = {"addTooltip": True, "addLegend": True, "legendPosition": "right"}
HEADLINE = dict(field="headline.raw", aggregate="concat", size=1, sortField="last_updated", sortOrder="desc",
                customLabel="Headline")


def story_table(vid: str, title: str, query: str, rank_field: str, rank_label: str, description: str) -> dict:
    """One row per story (terms on event_id: clickable, it opens the story's articles)."""
    return vis(vid, title, CLUSTERS, "table", [
        agg(1, "max", "metric", field=rank_field, customLabel=rank_label),
        agg(2, "top_hits", "metric", **HEADLINE),
        agg(3, "max", "metric", field="article_count", customLabel="Articles"),
        agg(4, "max", "metric", field="last_updated", customLabel="Updated"),
        terms(5, "event_id", 25, schema="bucket", label="Story"),
    ], description, query, {"perPage": 15, "showPartialRows": False, "showMetricsAtAllLevels": False,
                            "showTotal": False, "totalFunc": "sum", "percentageCol": ""})


def controls() -> dict:
    fields = [("outlets", "Outlet"), ("languages", "Language"), ("outlet_countries", "Country")]
    params = {"controls": [{"id": str(i), "fieldName": f, "label": label, "type": "list", "parent": "",
                            "indexPatternRefName": f"control_{i}_index_pattern",
                            "options": {"type": "terms", "multiselect": True, "dynamicOptions": True,
                                        "size": 20, "order": "desc"}} for i, (f, label) in enumerate(fields)],
              "updateFiltersOnChange": True, "useTimeFilter": False, "pinFilters": False}
    state = {"title": "Outlet, language, country", "type": "input_control_vis", "params": params, "aggs": []}
    return {"type": "visualization", "id": "newsagg-vis-controls", "updated_at": SHIPPED,
            "references": [{"name": f"control_{i}_index_pattern", "type": "index-pattern", "id": CLUSTERS}
                           for i in range(len(fields))],
            "attributes": {"title": "Outlet, language, country", "description": "Filter every panel (the articles "
                           "index has outlets / languages / outlet_countries as aliases of its own fields).",
                           "visState": json.dumps(state), "uiStateJSON": "{}", "version": 1,
                           "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})}}}


def objects() -> dict[str, list[dict]]:
    story_link, line_link = discover("newsagg-story-articles", "event_id"), discover("newsagg-storyline-articles", "storyline_id")
    views = [data_view(CLUSTERS, "newsagg stories (clusters)", "last_updated",
                       {"event_id": story_link, "storyline_id": line_link, "originator.url": LINK}),
             data_view(ARTICLES, "newsagg articles", "date",
                       {"url": LINK, "event_id": story_link, "storyline_id": line_link,
                        "group_id": discover("newsagg-wire-copies", "group_id")})]
    searches = [
        search("newsagg-developing-stories", "Developing now (last 24 h, by outlets)", CLUSTERS,
               'last_updated >= "now-24h"', ["headline", "outlet_count", "article_count", "copy_count", "languages",
                                            "event_id", "storyline_id", "first_seen", "last_updated"],
               [["outlet_count", "desc"], ["last_updated", "desc"]],
               "Stories updated in the last 24 hours, most outlets first; the event id opens the story."),
        search("newsagg-multilanguage-stories", "Stories in several languages", CLUSTERS, "language_count >= 2",
               ["headline", "languages", "language_count", "outlet_count", "event_id", "last_updated"],
               [["language_count", "desc"], ["last_updated", "desc"]], "Stories covered in two or more languages."),
        search("newsagg-stories-by-size", "Stories by size", CLUSTERS, "article_count >= 1",
               ["headline", "article_count", "outlet_count", "copy_count", "event_id", "first_seen"],
               [["article_count", "desc"], ["outlet_count", "desc"]], "Every story, largest first."),
        search("newsagg-wire-copies", "Copies of one wire story", ARTICLES, "is_copy : true",
               ["group_id", "source_outlet", "outlet", "title", "copies_of", "similarity", "date", "url"],
               [["group_id", "asc"], ["date", "asc"]],
               "Copies only (never an originator): filter group_id to one copy group (its link in a story opens it)."),
        search("newsagg-story-articles", "A story's articles by time", ARTICLES, "event_id : *",
               ["event_id", "date", "outlet", "language", "title", "group_id", "copies_of", "url"], [["date", "asc"]],
               "Every article of one story in time order: the event id links of the other views open it filtered."),
        search("newsagg-storyline-articles", "A storyline's articles by time", ARTICLES, "storyline_id : *",
               ["storyline_id", "event_id", "date", "outlet", "title", "url"], [["date", "asc"]],
               "Every article of one storyline (its stories one after another) in time order."),
    ]
    visualizations = [
        controls(),
        story_table("newsagg-vis-developing-now", "Developing now", 'last_updated >= "now-24h"', "outlet_count",
                    "Outlets", "The largest stories of the last 24 hours by outlets; a story id opens its articles."),
        story_table("newsagg-vis-top-stories", "Top stories", "", "outlet_count", "Outlets",
                    "Stories with the most outlets in the time range, one row per story."),
        story_table("newsagg-vis-multilanguage", "Stories in several languages", "language_count >= 2",
                    "language_count", "Languages", "Stories covered in two or more languages."),
        vis("newsagg-vis-stories-over-time", "Stories over time", CLUSTERS, "histogram",
            [agg(1, "count", "metric", customLabel="Stories"),
             agg(2, "date_histogram", "segment", field="first_seen", interval="auto", min_doc_count=1,
                 extended_bounds={})], "New stories per interval (first seen).", params=BAR),
        vis("newsagg-vis-stories-by-size", "Stories by size", CLUSTERS, "histogram",
            [agg(1, "count", "metric", customLabel="Stories"),
             agg(2, "histogram", "segment", field="article_count", interval=5, min_doc_count=1, extended_bounds={})],
            "How many stories have 1-5, 6-10, ... articles.", params=BAR),
        vis("newsagg-vis-originators", "Who broke it first", CLUSTERS, "horizontal_bar",
            [agg(1, "count", "metric", customLabel="Stories first reported"), terms(2, "originator.outlet", 20)],
            "Stories per outlet that published their first article.", params=BAR),
        vis("newsagg-vis-copies-per-source", "Who copies whom", ARTICLES, "horizontal_bar",
            [agg(1, "count", "metric", customLabel="Copies"), terms(2, "source_outlet", 15),
             terms(3, "outlet", 10, schema="group")],
            "Copies per source outlet (the originator's), split by the outlet that ran the copy.",
            query="is_copy : true", params=BAR),
        vis("newsagg-vis-top-outlets", "Stories per outlet", CLUSTERS, "horizontal_bar",
            [agg(1, "count", "metric", customLabel="Stories"), terms(2, "outlets", 20)],
            "Stories each outlet covered (a wire story counts once, not once per copy).", params=BAR),
        vis("newsagg-vis-languages", "Stories per language", CLUSTERS, "pie",
            [agg(1, "count", "metric", customLabel="Stories"), terms(2, "languages", 10)],
            "Stories with coverage in each language.", params={**BAR, "isDonut": True}),
        vis("newsagg-vis-countries", "Countries in the news", CLUSTERS, "pie",
            [agg(1, "count", "metric", customLabel="Stories"), terms(2, "countries", 15)],
            "Stories mentioning each country.", params={**BAR, "isDonut": True}),
        vis("newsagg-vis-top-entities", "Top entities", CLUSTERS, "tagcloud",
            [agg(1, "count", "metric", customLabel="Stories"), terms(2, "entities", 40)],
            "People, places and organisations by the number of stories naming them.",
            params={"scale": "linear", "orientation": "single", "minFontSize": 14, "maxFontSize": 60, "showLabel": False}),
    ]
    layout = [("newsagg-vis-controls", 48, 5), ("newsagg-vis-developing-now", 24, 15), ("newsagg-vis-top-stories", 24, 15),
              ("newsagg-vis-stories-over-time", 48, 10), ("newsagg-vis-multilanguage", 24, 14),
              ("newsagg-vis-stories-by-size", 24, 14), ("newsagg-vis-originators", 24, 14),
              ("newsagg-vis-copies-per-source", 24, 14), ("newsagg-vis-top-outlets", 16, 14),
              ("newsagg-vis-languages", 16, 14), ("newsagg-vis-countries", 16, 14), ("newsagg-vis-top-entities", 24, 14),
              ("newsagg-developing-stories", 24, 14)]
    panels, refs, x, y, row_h = [], [], 0, 0, 0
    for n, (oid, w, h) in enumerate(layout, 1):
        if x + w > 48:
            x, y, row_h = 0, y + row_h, 0
        kind = "search" if oid.startswith("newsagg-") and not oid.startswith("newsagg-vis-") else "visualization"
        panels.append({"version": "8.0.0", "type": kind, "gridData": {"x": x, "y": y, "w": w, "h": h, "i": str(n)},
                       "panelIndex": str(n), "embeddableConfig": {}, "panelRefName": f"panel_{n}"})
        refs.append({"name": f"panel_{n}", "type": kind, "id": oid})
        x, row_h = x + w, max(row_h, h)
    dashboard = {"type": "dashboard", "id": "newsagg-dashboard", "updated_at": SHIPPED, "references": refs,
                 "attributes": {"title": "newsagg: stories", "description": "What the outlets cover, counted in "
                                "stories: developing now, several languages, who broke it first, who copies whom, "
                                "sizes, outlets, languages, countries, entities.",
                                "panelsJSON": json.dumps(panels), "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
                                "timeRestore": True, "timeFrom": "now-7d", "timeTo": "now",
                                "refreshInterval": {"pause": False, "value": 60000}, "version": 1,
                                "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})}}}
    return {"10-data-views.ndjson": views, "20-saved-searches.ndjson": searches,
            "30-visualizations.ndjson": visualizations, "40-dashboard.ndjson": [dashboard]}


def main() -> None:
    for name, objs in objects().items():
        (OUT / name).write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
        print(f"{OUT / name}: {len(objs)} objects")


if __name__ == "__main__":
    main()
