"""How labels.jsonl and pages/ were made: real article pages that four extraction projects keep in
their GitHub repositories as test data (microlinkhq/metascraper
packages/metascraper/test/integration/<name>/input.html, mozilla/readability
test/test-pages/<name>/source.html, adbar/htmldate and adbar/trafilatura tests/cache/<file>), none of whose publishers
another set has. Read from the search tool's GitHub file store (read_file, 16,000 characters a call,
the pieces joined and checked against the file's total length), the files laid out as
ROOT/<owner>/<repo>/<path>. Title labels from the page's own headline with the independent lxml
collector of ../extraction-benchmark-titles (candidates.py, not newsagg's extractor), every doubtful
page decided by hand below. The projects' own expected titles, snapshots and metadata are not used
(metascraper's test files were read only for the page's address where the page has none).

    python make_set.py ROOT
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
from make_set import store_set  # noqa: E402  (extraction-titles' rules, shared by the title sets)

METASCRAPER = "packages/metascraper/test/integration"

# (page id, repository, path, commit of the stored version, the page's address, why that address).
PAGES = [
    ("metascraper-astier", "microlinkhq/metascraper", f"{METASCRAPER}/astier/input.html",
     "00ad2f6076e339d9becac85bb48ed2ec12557c10",
     "https://anisse.astier.eu/awk-driven-iot.html", "no canonical link: the address its test gives (= the page's share links)"),
    ("metascraper-audiense", "microlinkhq/metascraper", f"{METASCRAPER}/audiense/input.html",
     "1bf8ee668c542aa9f62d440d7d87cd33dd27ac36",
     "https://audiense.com/twin-peaks-2017-using-the-social-data-audience-consumer-insights-to-create-the-next-big-tv-sensation/",
     "canonical link"),
    ("metascraper-bfi", "microlinkhq/metascraper", f"{METASCRAPER}/bfi/input.html",
     "659d798b33fddc35a556a5b343217c1e7613303c",
     "https://bfi.uchicago.edu/podcast/the-big-tech-threat/", "canonical link"),
    ("metascraper-bukvy", "microlinkhq/metascraper", f"{METASCRAPER}/bukvy/input.html",
     "3777efee5545f040d172877159f88e2dfd42e7fe",
     "https://bukvy.org/en/poroshenko-accuses-authorities-of-falsifying-sanctions-decree-supreme-court-demands-evidence-from-the-government/",
     "canonical link"),
    ("metascraper-entrepreneur", "microlinkhq/metascraper", f"{METASCRAPER}/entrepreneur/input.html",
     "1bf8ee668c542aa9f62d440d7d87cd33dd27ac36",
     "https://www.entrepreneur.com/article/275188", "og:url (the canonical link names the syndicated story's origin)"),
    ("metascraper-financial-times", "microlinkhq/metascraper", f"{METASCRAPER}/financial-times/input.html",
     "6feef00abca8a2809f42da84578ebb71ef2ed149",
     "http://www.ft.com/cms/s/2/796d1220-475e-11e5-af2f-4d6e0e5eda22.html", "canonical link"),
    ("metascraper-globenewswire", "microlinkhq/metascraper", f"{METASCRAPER}/globenewswire/input.html",
     "3dc12872c6066156cdb032a9606b810f6422a10b",
     "https://www.globenewswire.com/news-release/2016/04/06/1300478/0/en/Segment-Launches-Sources-to-Unify-Siloed-Customer-Data-in-Minutes.html",
     "canonical link"),
    ("metascraper-silicon-tap", "microlinkhq/metascraper", f"{METASCRAPER}/silicon-tap/input.html",
     "5ac09dfdbccce39a22ff6d47e03839ac15cbe061",
     "https://www.silicontap.com/story/0053475.html", "canonical link"),
    ("metascraper-silicon-beat", "microlinkhq/metascraper", f"{METASCRAPER}/silicon-beat/input.html",
     "6feef00abca8a2809f42da84578ebb71ef2ed149",
     "http://www.siliconbeat.com/2016/04/19/time-come-woman/", "canonical link"),
    ("metascraper-smitten-kitchen", "microlinkhq/metascraper", f"{METASCRAPER}/smitten-kitchen/input.html",
     "1bf8ee668c542aa9f62d440d7d87cd33dd27ac36",
     "http://smittenkitchen.com/blog/2016/05/cucumber-yogurt-raita-salad/", "canonical link"),
    ("metascraper-softwarefordays", "microlinkhq/metascraper", f"{METASCRAPER}/softwarefordays/input.html",
     "47cf40f357b33550ddbb038a9faf9407c971ff65",
     "https://softwarefordays.com/post/resolving-the-fp-time-paradox/", "no canonical link: the address its test gives"),
    ("metascraper-the-register", "microlinkhq/metascraper", f"{METASCRAPER}/the-register/input.html",
     "f76953292ee58a06f74c614c197673436e2bbc6b",
     "https://www.theregister.com/2016/05/03/emc_world_virtustream_announcement/", "canonical link"),
    ("readability-tumblr", "mozilla/readability", "test/test-pages/tumblr/source.html",
     "b46e3160346b1bba03ebf182252759e468e52f62",
     "http://mcupdate.tumblr.com/post/96439224994/minecraft-18-the-bountiful-update", "canonical link"),
    ("readability-dropbox-blog", "mozilla/readability", "test/test-pages/dropbox-blog/source.html",
     "11093f011f57fa528a00a78d70b8d9df32c7a32d",
     "https://dropbox.tech/infrastructure/asynchronous-task-scheduling-at-dropbox", "canonical link"),
    ("readability-gitlab-blog", "mozilla/readability", "test/test-pages/gitlab-blog/source.html",
     "2d814cc4fbe54a135cd55ca0a336aab9690533ff",
     "https://about.gitlab.com/blog/2024/06/25/3-surprising-findings-from-our-2024-global-devsecops-survey/", "canonical link"),
    ("trafilatura-kulu-media", "adbar/trafilatura", "tests/cache/kulu-media.com.meta-outage.html",
     "db9ee363d20e3187139ad464d3a302baef7b7209",
     "https://kulu-media.com/meta-outage-hits-facebook-instagram-and-messenger/", "canonical link"),
    ("htmldate-aboutpam", "adbar/htmldate", "tests/cache/aboutpam.com.html",
     "3a416bfa5993daed7d5e0f0b30b03207135bdc34",
     "http://aboutpam.com/fitness/the-%22right%22-diet-what-does-that-even-mean",
     "canonical link and og:url name the home page: the page's own language-switch link"),
    ("htmldate-uni-koeln", "adbar/htmldate", "tests/cache/uni-koeln.de.ocean.html",
     "d8fdd2bf138bb99661a9542989d75d78542b0c8b",
     "https://www.portal.uni-koeln.de/9015.html?&L=1&tx_news_pi1%5Bnews%5D=4621&tx_news_pi1%5Bcontroller%5D=News"
     "&tx_news_pi1%5Baction%5D=detail&cHash=7bc78dfe3712855026fc717c2ea8e0d3", "the address htmldate's tests give (MOCK_PAGES)"),
]

# The page's language where its <html> has no lang attribute (decided from the text).
LANGUAGE = {"metascraper-silicon-tap": "en", "metascraper-smitten-kitchen": "en"}

# Pages where no <h1> equals a metadata title: the headline as the page shows it (page id -> title, why).
HAND_TITLES = {
    "metascraper-astier": ("awk driven IoT",
                           "the post's <h1>; <title> puts the blog's name first ('Linux Engineer's random thoughts - ')"),
    "metascraper-smitten-kitchen": ("cucumber yogurt raita salad",
                                    "the post's <h2>; the <h1> is the site's name; = <title> minus '| smitten kitchen', = twitter:title"),
    "metascraper-softwarefordays": ("Resolving the Time Paradox Implied by Functional Programs",
                                    "<h1>; <title> is empty, the <h2> before it is the site's name"),
    "readability-tumblr": ("Minecraft 1.8 - The Bountiful Update",
                           "the post's <h3>; the <h1> is the blog's name; <title> repeats the headline before the blog's name; = og:title"),
    "htmldate-aboutpam": ('The "right" diet - what does that even mean',
                          "the post's <h2> (no <h1>); <title> and og:title are the site's name"),
}


def main(root_dir: str) -> int:
    store_set(HERE, Path(root_dir), PAGES, LANGUAGE, HAND_TITLES, ("extraction-titles", "extraction-titles-more", "extraction-titles-new", "extraction-titles-gh"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
