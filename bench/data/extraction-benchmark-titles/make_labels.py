"""How labels.jsonl was made: candidates.py's title candidates, auto-accepted where the page's
<h1> equals a metadata title, and every other title and every byline decided by hand (below).

    python candidates.py > /tmp/candidates.jsonl && python make_labels.py /tmp/candidates.jsonl > labels.jsonl
"""
from __future__ import annotations

import json
import sys

import tldextract

_DOMAIN = tldextract.TLDExtract(suffix_list_urls=())  # the offline snapshot

# Titles where no <h1> equals a metadata title: decided from the page (key prefix -> title, why).
HAND_TITLES = {
    "04a6711c": ("Republicans Are Following Trump to Nowhere", "<h1>; og:title adds the 'Opinion |' kicker"),
    "098bb3e9": ("‘We had some issues,’ exec says on Disney+ glitches", "<h1>; og:title in straight quotes, JSON-LD headline is another (SEO) title"),
    "0ec95c72": ("엘제이-류화영 진흙탕 싸움, 공적인 사안으로 봐야하는 이유", "the headline (<dt>) above the article; the <h1> is the site logo; = <title> minus ' - Entermedia'"),
    "3c6d3381": ("Мастера вкуса: 23 самых крутых фудблогера по версии Wday.ru", "<h1>; og:title is an SEO title"),
    "680c2848": ("The Early Reviews For Google's Stadia Gaming Platform Are Here — And They're Not Great", "the story's <h2 itemprop=headline>; the <h1> is a teaser of another story; = og:title minus ' - Digg'"),
    "776a1c04": ("South Dakota says, 'Meth. We're On It,' and Twitter asks, Are you guys OK?", "<h1>; og:title is the shorter social title"),
    "82b6d780": ("Unpredictable Sondland faces questions about Trump, Ukraine", "<h2 class=ap-story-headline>; the <h1> is empty; = og:title"),
    "851498a2": ("The Disappearance of John M. Ford", "<h1 class=article__hed>; og:title and <title> are other titles"),
    "94fbcc26": ("Milan Design Week 2018 | Michael Anastassiades’ light installation for FLOS", "<h1>; og:title is shortened"),
    "9da36ae4": ("악녀의 덫에 걸린 이유리, 의외로 막장극 어울리는 남상미", "the headline (<dt>) above the article; the <h1> is the site logo; = <title> minus ' - Entermedia'"),
    "a860fb5e": ("Dare to Play 3 / October pack", "<h1>; = <title> minus ' – Vortex Cannon Entertainment'"),
    "b3c19dd5": ("Só quem se Ama…", "<h1> (an ellipsis character; og:title writes '...')"),
    "c00962aa": ("Seeking a bigger role for a big rocket", "<h1>; <title> prefixes 'The Space Review: '"),
    "c4a3637c": ("Скайрим (skyrim) скорость бега как увеличить", "<h1>; <title> leaves out '(skyrim)'"),
    "c582d3b7": ("Business Focus: It’s Why Some People Triumph Online and Others Never Make It", "the first <h1>; og:title in straight quotes"),
    "c58aa507": ("Two federal prison officers charged with falsifying records in connection with Jeffrey Epstein's suicide", "<h1>; og:title is the shorter social title"),
    "c81e134e": ("High School Roundup: Viera defeats Rockledge to remain undefeated", "<h1>; og:title abbreviates 'HS'"),
    "c82b3d1d": ("53-летняя модель: «Посмотри на красотку, которая превратилась в старуху»", "<h1>; og:title is an SEO title"),
    "d48aeb9c": ("Why My Friend Became a Grocery Store on Instagram", "<h1>; og:title and JSON-LD are other titles"),
    "e7994d55": ("UK Tories under fire for Twitter name switch during debate", "<h2 class=ap-story-headline>; the <h1> is empty; = og:title"),
    "f6ac15a4": ("Atendimento Domiciliar registra arrombamento em veículos", "<p class=titulo> above the article (no <h1>); = og:title"),
    "21486419": ("Jangan Membenci Satu Kaum Secara Berlebihan", "the post's <h2>; the <h1> is the site's name; = og:title"),
    "7837c9d6": ("Sejarah Pecahnya Islam jadi Sunni dan Syi’ah", "the post's <h2>; the <h1> is the site's name; = og:title"),
    "5f9c5ed5": ("With shattered dreams, deportees return home from US", "<h2 class=article-title>; the <h1> is the site's name; = og:title"),
    "ff0f958a": ("Диета Аткинса - потеря веса до 10 килограмм за 14 дней", "the first <h1>; <title> is an SEO title"),
}

# Bylines, every page decided by hand from the byline candidates (JSON-LD/meta author, elements
# marked author/byline, 'By ...' texts, the text after the headline). [] = the page shows no
# byline; None = doubtful, not scored (a user name, the site's own name or desk, a column tag).
AUTHORS = {
    "042bb7b5": ["Sarah E. Needleman"], "04a6711c": ["Jamelle Bouie"], "05844573": ["Tom Krisher"],
    "06e5123e": ["Reuters"], "06ee193d": ["Chris Davies"], "076f4f33": None, "08f79376": ["Bryan DeArdo"],
    "098bb3e9": ["Meg James"], "0d461229": ["Associated Press"], "0dd13570": [], "0e014df6": ["Regan"],
    "0ec95c72": None, "11ea381a": [], "14cc2a0c": ["Victor Tangermann"], "156770d6": ["Tess Bonn"],
    "16c30add": ["Umair Irfan"], "1ace8c85": ["Catherine Shu"], "1ee91d1f": [], "1f765c48": ["Finian Cunningham"],
    "20b2b649": None, "21486419": None, "232a43fb": ["Joe Rossignol"], "23aaecd1": ["Carlos Nadalim"],
    "264dc3ae": ["Bill Hoppe"], "287e4d9f": ["Eric Song"], "291a8bf3": ["Joseph Tsidulko"], "2c46804d": None,
    "2f42ef1d": ["Molly Wood"], "30b771a4": None, "3252222e": ["Carlos Nadalim"], "33fe2471": None,
    "34a73285": None, "358cc4a0": None, "359fee22": ["Reuters"], "35b15891": ["Troy L. Smith"],
    "360c732d": ["Anna Menin"], "374ac9a5": ["Natasha Turak"], "39d5c43b": ["Reuters"], "3c5bf8db": ["Tim Childers"],
    "3c6d3381": ["Венера Ерофеева"], "3cb22bfa": ["Chris Davies"], "3cb5e2f4": ["Marcus De Guzman"],
    "3ce1c8fd": [], "3d8f3404": ["David Ehrlich"], "3f65af7b": ["Amy Kuperinsky"], "4219d096": ["Regan"],
    "42aad16b": ["Laura Winter"], "432362af": ["Natalie Musumeci"], "4648a420": [], "4a44ab3e": [],
    "51374560": ["Jonathan Garber"], "51d066b0": ["Scott Gordon"], "52111884": None, "55bb6340": ["The Water Coolest"],
    "57b4dafd": ["Moritz Bachmann"], "57d46c9d": ["Rodrigo Campos"], "57e2e988": [], "5a822960": ["Reuters"],
    "5ae11e58": [], "5caf91b8": [], "5f03fc17": ["Beachbody"], "5f9c5ed5": None, "5fa3154e": None,
    "5fa5679d": ["Adam Clark Estes"], "5fbc7ccb": ["Jason Cipriani"], "612cd298": None, "624fcd90": ["Laura Mowat"],
    "63db31a1": ["Sherif Saed"], "65408257": ["Nishant Kumar"], "65bf3048": ["Mike Wuerthele", "Malcolm Owen"],
    "65ce3a45": ["Detroit News wire services"], "680c2848": ["Dallas Robinson"], "686bb170": ["Mike Wall"],
    "6a72de37": ["Chris Pokorny"], "6ebac05f": ["Justine Coleman"], "702d1da6": ["Ana Swanson"], "70cb2d5b": [],
    "776a1c04": ["Lisa Kaczke", "Trevor J. Mitchell"], "7837c9d6": None, "785affa2": ["Chaim Gartenberg"],
    "7916ecca": [], "7a457a4f": ["Phil Helsel"], "7a664e40": ["Stefan Becket", "Kathryn Watson", "Grace Segers"],
    "7ab16ade": ["Randy Maniloff"], "7bb1ca90": ["Ed Cara"], "7de52419": ["Tom Davies"], "7dfc3e35": ["Andy Sahadeo"],
    "7f93c194": ["Kashmira Gander"], "8267acac": ["Patrick Shanley"],
    "82b6d780": ["LISA MASCARO", "MARY CLARE JALONICK", "ERIC TUCKER"], "833caf3b": [], "8380689f": ["Dan Evon"],
    "851498a2": ["Isaac Butler"], "85439e26": None, "8634d121": ["Michael Hiltzik"], "87438a0d": ["Abigail Van Buren"],
    "87bf6057": ["Madeline Fry"], "88c328b6": ["Telegraph Sport"], "8b194530": ["Debbie White"], "8cad00dc": None,
    "8e3efab5": ["Michael David Smith"], "92101975": ["Tom Gillespie"], "94fbcc26": ["FEDERICA LUSIARDI"],
    "95301fb7": None, "961bd85c": ["Staff Reports"], "9a440270": ["Roger Gonzalez"], "9cb8224b": ["Lars Brandle"],
    "9da36ae4": None, "9e8c9f08": ["Matthew Digby", "Minh Do"], "9ebb3af6": ["Paul Takahashi"],
    "9eef8162": ["Sandee LaMotte"], "a078b365": ["Bruce Y. Lee"], "a1fca19b": ["Lia Eustachewich", "Yaron Steinbuch"],
    "a6968f42": ["Meg Kinnard", "Errin Haines"], "a860fb5e": None, "aadb38e5": ["Jose Altoveros"],
    "aade2ec8": ["Lewis White"], "abd9d629": ["Suzanne Gamboa"], "ac1bfdd4": ["Ryan Reed"], "ac3c0355": ["Catherine"],
    "ad826691": ["Trevor Daugherty"], "ad9e9e59": ["Olivia Larsen"], "aec5deea": ["Steve Peoples"],
    "b0cf2bbf": ["Emiliano Bellini"], "b37be353": ["The Associated Press"], "b3c19dd5": [],
    "b6906ca0": ["Louis Jacobson"], "b6fb53e9": None, "ba07d1e6": ["Moritz Bachmann"], "ba4dfe2d": ["Sean Martin"],
    "bc13ff87": ["David Jeans"], "bd673bd7": ["Yasemin Saplakoglu"], "bdb56ac8": ["Carrie Arnold"],
    "c00962aa": ["Jeff Foust"], "c13b9c0e": ["Megan Rowe"], "c467d507": [], "c4a3637c": None,
    "c50845a7": ["Tariq Malik", "Mike Wall"], "c582d3b7": ["Pamela Wilson"], "c58aa507": ["Kevin Johnson", "Kevin McCoy"],
    "c69e539d": [], "c7e39ac4": [], "c81e134e": ["Elliot Brownstein"], "c82b3d1d": ["Лида Буслаева"],
    "c90731f0": ["PTI"], "cc03ddb5": [], "cc4aa22b": ["Zac Hall"], "d0382c0d": None, "d1c57d78": ["Jeff Foust"],
    "d48aeb9c": ["Louise Matsakis"], "d605bdef": ["Jill Disis"], "d90bda7e": [], "db6b0816": ["Robert Burns"],
    "dc7ccccc": [], "dfd43bc0": [], "e100c961": ["Nathan Birch"], "e1c7023e": ["European Space Agency"],
    "e1cd54e5": None, "e372e42c": None, "e4c6a3b4": ["Tom Rogan"], "e593d7fe": ["Rachael Link"], "e7301133": [],
    "e7994d55": ["DANICA KIRKA", "JILL LAWLESS"], "e7d77f18": ["Maren Estrada"], "ea25dd7e": ["Brigit Katz"],
    "eb62ac84": ["Julius Young"], "ec3878db": ["Ilana Muhlstein"], "ec7fc408": ["Pamela Wilson"],
    "ecb46e3e": ["Associated Press"], "eecd2575": ["Greg Beacham"], "ef2b3f26": [], "ef4e67b6": ["Chris Cillizza"],
    "f105de6e": [], "f344ca5f": ["Lisa Kubota"], "f5c90a6d": ["Victor Davis Hanson"], "f6ac15a4": None,
    "f81c6c05": ["Tanza Loudenback"], "f8ff621a": ["Al Root"], "fde930b0": ["Charlie Wood"], "ff0f958a": [],
    "ffc109d4": ["Keris Lahiff"],
}


def main(path: str) -> int:
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    assert len(rows) == len(AUTHORS) == 181, (len(rows), len(AUTHORS))
    for row in rows:
        prefix = row["key"][:8]
        if prefix in HAND_TITLES:
            title, why = HAND_TITLES[prefix]
            source = f"hand: {why}"
        else:
            assert row["agree"], prefix
            title, name = row["agree"]
            source = f"auto: <h1> = {name}"
        publisher = _DOMAIN(row["url"]).top_domain_under_public_suffix
        print(json.dumps({"key": row["key"], "url": row["url"], "publisher": publisher,
                          "language": row["language"] or None, "title": title, "title_source": source,
                          "authors": AUTHORS[prefix]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
