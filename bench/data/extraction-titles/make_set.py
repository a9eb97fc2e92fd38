"""How labels.jsonl and pages/ were made: the real pages that trafilatura's and htmldate's test
suites ship (tests/cache), their addresses from the tests' MOCK_PAGES tables, title labels from
the page's own headline with the independent lxml collector of ../extraction-benchmark-titles
(candidates.py, not newsagg's extractor), every doubtful page decided by hand below.

    pip download --no-binary :all: --no-deps trafilatura==1.0.0 htmldate==1.3.2   # unpack both
    python make_set.py TRAFILATURA_DIR HTMLDATE_DIR
"""
from __future__ import annotations

import ast
import gzip
import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path

import tldextract

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-benchmark-titles"))
from candidates import candidates  # noqa: E402  (the same collector as the benchmark's title labels)

_DOMAIN = tldextract.TLDExtract(suffix_list_urls=())  # the offline snapshot
HOLDOUT_PERCENT = 30  # publishers whose sha1 falls under this are kept aside (reported, not tuned on)
TEST_FILES = {"trafilatura": ["tests/unit_tests.py", "tests/realworld_tests.py", "tests/metadata_tests.py"],
              "htmldate": ["tests/unit_tests.py"]}

# Not an article (a home page, terms of use, a product, a service or club page, an 'about' page)
# or no headline one could call the page's own: left out.
DROP = {
    "500px.com.spring.html": "a photo page", "austria.info.html": "home page", "bayern.de.html": "home page",
    "beltz.de.didakta.html": "event listing", "beltz.de.12wege.html": "a book's shop page",
    "blog.wordpress.com.html": "home page", "buchperlen.wordpress.com.html": "no headline shown (title = cut text)",
    "chip.de.tests.html": "listing", "creativecommons.org.html": "'What we do' page",
    "deutschland.de.en.html": "home page", "die-partei.net.sh.html": "home page",
    "ebene11.com.autocad.html": "headline not in the page", "ebrosia.de.zinfandel.html": "a product",
    "eff.org.2015.html": "annual report index", "exotic_tags.html": "not a page",
    "facebook.com.visitaustria.html": "social profile", "fairkom.eu.about.html": "'about' page",
    "github.com.html": "code repository", "gnu.org.gpl.html": "licence text", "greenpeace.org.forests.html": "campaign page",
    "heimicke.de.zahlen.html": "chronicle page", "hundeverein-kreisunna.de.html": "club dates page",
    "hundeverein-querfurt.de.html": "club page", "intel.com.tos.html": "terms of use",
    "lanouvellerepublique.fr.martin.html": "no headline in the saved page", "love-hina.ch.0409.html": "news archive",
    "novalanalove.com.ear-candy.html": "two headlines ('Ear Candy allert' <h1>, 'Ear Candy!' <h2> = <title>)",
    "pferde.projekte.de.html": "'our projects' page", "pixabay.com.tos.html": "terms of service",
    "rosneft.com.licensing.html": "company page", "rs-ingenieure.de.tragwerksplanung.html": "service page",
    "schleifen.ucoz.de.briefe.html": "no headline", "stuttgart.de.html": "home page",
    "support.wordpress.com.html": "help home page", "toralin.de.schmierfett.html": "a product",
    "unexpecteduser.2011.html": "blog archive page", "viehbacher.com.steuerrecht.html": "service page",
    "viehbacher.com.forderungsbetreibung.html": "service page", "wehranlage-horka.de.887.html": "event page",
    "acredis.com.augenlidstraffung.html": "service page",
}

# Pages where no <h1> equals a metadata title (or the one that does is the site's name): the
# headline as the page shows it, decided from the page (file -> title, why).
HAND_TITLES = {
    "adac.de.kindersitze.html": ("18 Kindersitze im Test: Vier Modelle fallen durch", "<h1>; og:title is a slug, <title> an SEO title"),
    "austria.info.radfahren.html": ("Salzburg – Radfahren in der Weltstadt", "the first <h1>; og:title is an SEO title"),
    "befifty.montauk.html": ("Das vielleicht schönste Ende der Welt: Montauk", "<h2 class=entry-title> (a date before it); = og:title; the <h1>s are the post's sections"),
    "blog.python.org.html": ("Python 3.6.0 is now available!", "<h3 class=post-title> (no <h1>); = og:title"),
    "blog.wordpress.com.diverse.html": ("Want to See a More Diverse WordPress Contributor Community? So Do We.", "<h2 class=post-title>; the <h1> is the site's name; = og:title"),
    "bmjv.de.konsum.html": ("Mehr Transparenz bei Preisanpassungen", "<h1> without its category label ('Thema Verbraucherschutz')"),
    "cdu-fraktion-erfurt.de.waldorfschule.html": ("Entwicklung der Waldorfschule ermöglicht", "<div class=blog_teaser_headline> (no <h1>); = <title> minus the site"),
    "chineselyrics4u.com.zhineng.html": ("Zhi Neng Xiang Nian Ni - Jam Hsiao Jing Teng (只能想念你 - 蕭敬騰)", "<h3 class=post-title>; the <h1> is the site's name; = og:title"),
    "chip.de.beef.html": ("Beef Maker von Aldi im Test", "<h1>; og:title and <title> are other titles"),
    "correctiv.org.zusage.html": ("„Wir haben bereits die Zusage“", "the article's <h2>; the <h1> is a section ('Aktuelle Artikel'); = og:title"),
    "die-partei.net.luebeck.html": ("Das Ministerium für Club-Kultur informiert…", "<h2 class=newsheading>; = <title> minus the site"),
    "dw.com.colonial.html": ("Berlin confronts Germany's colonial past with new initiative", "<h1>; og:title adds '| DW | date'"),
    "dw.com.uncork.html": ("Uncork the mystery of Germany's Frühburgunder", "<h1>; og:title adds '| DW | date'"),
    "franziska-elea.de.vuitton.html": ("Das Louis Vuitton Missgeschick", "<h1>; <title> is an SEO title"),
    "gofeminin.de.abnehmen.html": ("Wie kann ich schnell abnehmen? Die 8 effektivsten Tipps", "<h1>; og:title and JSON-LD are another title"),
    "gregoryszorc.com.python3.html": ("Mercurial's Journey to and Reflections on Python 3", "<h2 class=blog_post_title> (no <h1>); = <title> minus the site"),
    "lady50plus.de.sekre.html": ("SEKRÈ MYSTERY BAG – jede Frau braucht ein Geheimnis!", "<h1> (an en dash; og:title writes '-' and adds author and site)"),
    "meedia.de.freenet.html": ("Einstieg ins TV-Geschäft: Wie Freenet Privatkunden für Antennen-TV in HD-Qualität gewinnen will", "the second <h1> (the first is empty); = og:title minus '› Meedia'"),
    "modepilot.de.duschkopf.html": ("Geht Euch auch so, oder? Auf Reisen nie ohne meinen Duschkopf", "<h1>; og:title is another post's"),
    "piratenpartei-mv.de.grundeinkommen.html": ("Grundeinkommen ist ein Menschenrecht!", "<h1>; = <title> minus '› Piratenpartei …'"),
    "psl.eu.luniversite.html": ("L’Université PSL : quand les grandes écoles font université", "<h1>; = <title> minus '| PSL'"),
    "skateboardmsm.de.dormhagen.html": ("The Captain’s Quest 2017 – Contest auf schwimmender Miniramp am 19. August in Dormagen", "the second <h1>; = og:title minus the site"),
    "spektrum.de.engelbart.html": ("Die Ablehnung von “Gendersprache” – medial produziert", "the post's <h1>; the first <h1> is the blog's name; og:title is an SEO title"),
    "spreeblick.com.habeck.html": ("Aus! Aus! Alles vorbei! Habeck macht die Stahnke", "<h2 class=entry-title>; the <h1> is the site's name; = og:title"),
    "blog.wikimedia.interactivemaps.html": ("Interactive maps, now in your language", "<h2 class=article-title> (no <h1>); = <title> minus the site"),
    "carta.info.html": ("Der neue Trend: Muss- statt Wunschkoalition", "the post's <h2> (the <h1> is empty, <title> is the site's name)"),
    "eza.gv.at.html": ("Außenministerin Karin Kneissl beim Treffen der deutschsprachigen Außenminister in Luxemburg", "the article's <h2> (no <h1>); = <title> minus the site"),
    "exporo.de.ezb.html": ("Europäische Zentralbank - EZB", "<h1>; og:title adds '| Wiki'"),
    "futurezone.at.cc.html": ("Wie CreativeCommons richtig genutzt wird", "the <h1>'s itemprop=headline (a 'KNOWHOW' kicker before it); = og:title"),
    "goodform.ch.blog.html": ("Schattiges Plätzchen", "<h1>; <title> prefixes 'Blog - '"),
    "hobby-werkstatt-blog.de.roomba.html": ("Eine Arduino-Virtual-Wall für den IRobot Roomba", "<h1>; = <title> minus '« Hobbywerkstatt'"),
    "horizont.net.html": ("Was sich nach dem Vreni-Frost-Urteil ändert (und ändern muss)", "<h1>; og:title adds the kicker 'Influencer Marketing: '"),
    "kurz.at.wasserstoff.html": ("Wasserstoff als Schlüsseltechnologie. Sebastian Kurz zu Besuch bei Magna Steyr.", "<h1>; og:title is its first sentence"),
    "la-bas.org.porte.html": ("Didier Porte souhaite la Santé à Balkany", "the article's <h1> without its 'Abonnés' badge; = og:title minus section and site"),
    "ldt.de.fallinlove.html": ("FALL IN LOVE WITH BLACK", "<h2 class=title> (no <h1>); = <title> minus the site"),
    "medef.fr.dispute.html": ("Alternative dispute resolution for antitrust damages", "the first <h1>; <title> is the site's name"),
    "oberstdorfresort.de.kraeuter.html": ("Unser Kräutergarten auf der Wannenkopfhütte!", "<h1>; <title> is an SEO title"),
    "pbrunst.de.html": ("Kein Cyberterrorismus (diesmal)", "<h1>; = <title> minus the site"),
    "revolutionpermanente.fr.antonin.html": ("Antonin Bernanos ’\"en prison depuis près de deux mois en raison de son militantisme\"", "the second <h1> as shown (’ where og:title has ')"),
    "tagesausblick.de.dow.html": ("DOW Jones - Jahresendrally ade?! - Tagesanalyse", "<h1> as shown; = <title> minus the site"),
    "wara-enforcement.org.guinee.html": ("Guinée : Un braconnier d’éléphant interpellé et condamné à la peine maximale !", "the post's <h3> (no <h1>); = <title> minus the site"),
    "weltwoche.ch.html": ("Steve Forbes: Trump is indeed a billionaire.", "the article's <h2> (no <h1>); = og:title"),
    "wienbadminton.at.html": ("Come Together", "<h3 class=newstitle>; the <h1> is 'News'; = og:title"),
    "wunderweib.html": ("Manuela Reimann: Hochzeitsüberraschung in Bayern!", "<h1> without its roofline span ('Wow, wow, wow!'); = JSON-LD headline"),
    "internet-law.de.pseudonymen.html": ("Verstößt der Ausschluss von Pseudonymen bei Google+ gegen deutsches Recht?", "<h3 class=storytitle>; the <h1> is the site's name (= <title> before '»')"),
}


def addresses(root: Path, files: list[str]) -> dict[str, str]:
    """cache file -> the page's address, from the tests' MOCK_PAGES tables (read as data)."""
    found: dict[str, str] = {}
    for name in files:
        for node in ast.walk(ast.parse((root / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MOCK_PAGES":
                for url, file in sorted(ast.literal_eval(node.value).items()):
                    found.setdefault(file, url)
    return found


def known_publishers() -> set[str]:
    """Publishers already labelled: both splits of ../extraction-pages and the extraction benchmark."""
    out = set()
    for path, key in ((HERE.parent / "extraction-pages" / "labels.jsonl", "publisher"),
                      (HERE.parent / "extraction-benchmark-titles" / "labels.jsonl", "publisher")):
        out.update(json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines())
    return out


def labelled_publishers(*title_sets: str) -> set[str]:
    """known_publishers() and the publishers of the named title sets beside this one (the directory
    names under bench/data): those a new set must not label again."""
    out = known_publishers()
    for name in title_sets:
        out.update(json.loads(line)["publisher"] for line in (HERE.parent / name / "labels.jsonl").read_text(encoding="utf-8").splitlines())
    return out


def title_label(key: str, cand: dict, hand_titles: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(title, how it was decided): the hand decision where the page has one, else the <h1> that
    equals a whole metadata title (or <title>'s part before a separator)."""
    if key in hand_titles:
        title, why = hand_titles[key]
        return title, f"hand: {why}"
    assert cand["agree"], key
    title, name = cand["agree"]
    return title, f"auto: <h1> = {name}"


def title_row(page_id: str, source: str, url: str, publisher: str, cand: dict, title: str, how: str,
              holdout_percent: int = HOLDOUT_PERCENT) -> dict:
    """One labels.jsonl row (title labels only), its split by the publisher's sha1 (a set may keep a
    larger share aside: round 15's keeps about half)."""
    split = "holdout" if int(hashlib.sha1(publisher.encode()).hexdigest(), 16) % 100 < holdout_percent else "tune"
    return {"id": page_id, "source": source, "url": url, "publisher": publisher, "language": cand["language"] or None,
            "title": title, "title_source": how, "published": None, "authors": None, "body": None, "split": split}


def write_labels(directory: Path, rows: list[dict]) -> None:
    with open(directory / "labels.jsonl", "w", encoding="utf-8") as out:
        for row in sorted(rows, key=lambda r: r["id"]):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def mercury_restore_meta():
    """../extraction-pages' undoing of Mercury's <meta content> -> value renaming, for the sets of
    postlight/parser fixtures (that module is also named make_set, so it is loaded by path)."""
    spec = importlib.util.spec_from_file_location("extraction_pages_make_set", HERE.parent / "extraction-pages" / "make_set.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.restore_meta


def store_set(directory: Path, root: Path, pages: list[tuple[str, str, str, str, str, str]],
              language: dict[str, str], hand_titles: dict[str, tuple[str, str]], title_sets: tuple[str, ...],
              prepare: Callable[[str, bytes], bytes] | None = None, holdout_percent: int = HOLDOUT_PERCENT) -> None:
    """A title set of pages read from the GitHub file store and laid out as ROOT/<owner>/<repo>/<path>
    (the sets of rounds 10, 12 and 13): each page (id, repository, path, commit, address, why that
    address), after `prepare(repository, page)` where given, gzipped into DIRECTORY/pages, its label
    row written to DIRECTORY/labels.jsonl. Publishers must be new to `title_sets` and to the set
    itself; `language` and `hand_titles` may name only its pages."""
    excluded = labelled_publishers(*title_sets)
    rows: list[dict] = []
    (directory / "pages").mkdir(exist_ok=True)
    for ident, repo, path, commit, url, _ in pages:
        raw = (root / repo / path).read_bytes()
        if prepare is not None:
            raw = prepare(repo, raw)
        publisher = _DOMAIN(url).top_domain_under_public_suffix
        assert publisher not in excluded, (ident, publisher)
        assert publisher not in {r["publisher"] for r in rows}, (ident, publisher)
        cand = candidates(ident, raw, url)
        cand["language"] = cand["language"] or language.get(ident, "")
        title, how = title_label(ident, cand, hand_titles)
        (directory / "pages" / f"{ident}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
        rows.append(title_row(ident, f"{repo}@{commit[:12]}: {path}", url, publisher, cand, title, how, holdout_percent))
    write_labels(directory, rows)
    unused = (set(hand_titles) | set(language)) - {p[0] for p in pages}
    assert not unused, unused


def main(trafilatura_dir: str, htmldate_dir: str) -> int:
    roots = {"trafilatura": (Path(trafilatura_dir), "trafilatura 1.0.0"), "htmldate": (Path(htmldate_dir), "htmldate 1.3.2")}
    excluded = known_publishers()
    seen_bytes, seen_urls, rows = set(), set(), []
    (HERE / "pages").mkdir(exist_ok=True)
    for pkg, (root, version) in roots.items():
        urls = addresses(root, TEST_FILES[pkg])
        for path in sorted((root / "tests" / "cache").iterdir()):
            raw = path.read_bytes()
            url = urls.get(path.name)
            digest = hashlib.sha1(raw).hexdigest()
            if not url or digest in seen_bytes or url in seen_urls or path.name in DROP:
                continue
            seen_bytes.add(digest)
            seen_urls.add(url)
            publisher = _DOMAIN(url).top_domain_under_public_suffix
            if publisher in excluded:
                continue
            cand = candidates(path.name, raw, url)
            title, how = title_label(path.name, cand, HAND_TITLES)
            page_id = f"{pkg}-{path.name.removesuffix('.html')}"
            (HERE / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
            rows.append(title_row(page_id, f"{version}: tests/cache/{path.name}", url, publisher, cand, title, how))
    write_labels(HERE, rows)
    unused = (set(HAND_TITLES) | set(DROP)) - {p.name for r, _ in roots.values() for p in (r / "tests" / "cache").iterdir()}
    assert not unused, unused
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
