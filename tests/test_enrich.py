"""Enrichment: what a reader of the search results and the map facets relies on."""
from newsagg.core.schema import Article
from newsagg.workers.enrich import detect_language, enrich, extract_entities, summarize

STORM = (
    "A storm tore through the harbour town of Kelsby on Tuesday night, sinking three fishing boats "
    "and flooding the quay, officials said.\n\n"
    "Mayor Helen Price said the damage would run into millions of pounds. \"We have never seen water "
    "this high,\" Price told reporters outside the Town Hall.\n\n"
    "The Royal National Lifeboat Institution rescued two crew members near Fenwick Point. The Met Office "
    "had issued an amber warning for Cornwall and Devon.\n\n"
    "Dr. Samuel Okafor of Plymouth University said warmer seas around Britain made such storms more likely."
)


def test_enrich_fills_every_field():
    a = enrich(Article(url="https://gazette.example/storm", title="Storm batters Kelsby harbour", text=STORM,
                       language="en"))
    assert a.language == "en" and a.lang_confidence > 0.9
    assert a.entities["person"]["Helen Price"] == 2  # "Price told" counts for the full name
    assert "Samuel Okafor" in a.entities["person"]
    assert {"Royal National Lifeboat Institution", "Met Office", "Plymouth University"} <= set(a.entities["organisation"])
    assert {"Cornwall", "Devon", "Fenwick Point"} <= set(a.entities["place"])
    assert a.countries == ["GB"]
    assert a.keywords[:3] == ["storm", "kelsby", "harbour"]
    assert a.summary.startswith("A storm tore through") and len(a.summary.split()) <= 80
    assert a.word_count == len(STORM.split()) and a.reading_time_min == round(a.word_count / 230, 1)
    assert a.id == Article(url="https://gazette.example/storm", text="x").id  # enrichment keeps the id


def test_a_chinese_article_is_counted_by_its_characters_for_reading_time():
    # Chinese writes no spaces: by whitespace this 4-paragraph text was 4 words, read in no time.
    paragraphs = ["经过三年建设，河畔新城的公共图书馆将于本周六正式向市民开放，新馆共有五层，藏书约四十万册。",
                  "馆长李华表示，图书馆每天早上八点开门，晚上九点闭馆，市民凭身份证即可免费办理借书证。",
                  "开馆当天还将举办读书分享会和手工活动，欢迎全家参加，附近的公交线路也将增加班次。",
                  "市政府表示，未来两年还将在东区和南区各建一座分馆，方便更多居民借阅图书。"]
    a = enrich(Article(url="https://ribao.example/library", title="河畔新城图书馆周六开放", text="\n\n".join(paragraphs),
                       language="zh"))
    characters = sum(len(p) for p in paragraphs)
    assert characters // 3 <= a.word_count <= characters // 2
    assert a.reading_time_min >= 0.2


def test_confident_detection_overrules_a_wrong_declaration_but_short_text_keeps_it():
    german = ("Ein schwerer Sturm hat in der Nacht zum Dienstag den Hafen verwüstet. Die Bürgermeisterin "
              "sprach von Schäden in Millionenhöhe, die Feuerwehr war bis zum Morgen im Einsatz.")
    assert detect_language(german, declared="en")[0] == "de"
    assert detect_language("Hafen Kelsby", declared="de")[0] == "de"  # too short to overrule


def test_german_nouns_are_not_names_but_cued_names_are():
    text = ("Der Sturm hat den Hafen schwer beschädigt. Bürgermeisterin Helen Price sprach von Schäden. "
            "Auch in Hamburg gab es Hochwasser, sagte Klaus Berger von der Universität Kiel.")
    ents = extract_entities(text, "de")
    assert set(ents["person"]) == {"Helen Price", "Klaus Berger"}
    assert "Hamburg" in ents["place"] and "Universität Kiel" in ents["organisation"]
    assert not any(n in ("Sturm", "Hafen", "Schäden", "Hochwasser") for k in ents.values() for n in k)


def test_countries_from_names_places_and_demonyms():
    a = enrich(Article(url="https://x.example/a", title="Ferry deal", language="en",
                       text="The French operator and a Danish yard signed the deal in Rotterdam, "
                            "while talks with Norway continue."))
    assert set(a.countries) == {"FR", "DK", "NL", "NO"}


def test_summary_is_extractive_and_bounded():
    text = " ".join(f"Sentence number {i} talks about the harbour storm and the repair bill." for i in range(40))
    s = summarize(text, ["harbour", "storm"])
    assert s.startswith("Sentence number 0") and len(s.split()) <= 80
    assert all(part.strip() + "." in text for part in s.split(".") if part.strip())
