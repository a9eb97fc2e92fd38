"""Synthetic crawler payloads for pipeline tests and the benchmark (random words
around invented names): events, each with a wire story, its lightly edited copies and
independent reports, so the story engine has real work to do.
"""
from __future__ import annotations

import functools
import itertools
import random
from datetime import datetime, timedelta, timezone

_SYL = ["ar", "bel", "cor", "dun", "el", "fen", "gar", "hol", "is", "kel", "lor", "mar", "nor", "os", "pel",
        "quin", "ros", "sel", "tor", "ul", "vin", "wes", "yar", "zel"]
_VOCAB = """water road council crews night morning families boats homes repairs engineers residents workers
shops drivers trains buses school bridge harbour river coast wind rain flood fire smoke damage cost money
plan report inquiry review meeting vote budget funding support help warning alert rescue search team
officers volunteers doctors nurses patients passengers tickets routes services power lines roofs walls
windows streets square market quay pier port ships cargo fishing nets trawlers weather forecast tide
storm gusts waves cliffs path beach sand stones trees gardens fields farms cattle crops harvest prices
wages jobs strike talks union managers owners tenants landlords rents houses flats builders cranes
cement steel glass timber paint tools vans lorries tunnel rails signals platform station depot clinic
ward hospital ambulance police court judge lawyer witness evidence claims insurers payouts grants
schools pupils teachers classes exams library museum hall theatre festival concert crowd fans match
club league season stadium pitch coach players goals visitors tourists hotels cafes restaurants bakery
brewery mill factory quarry mine""".split()
_VERBS = "said warned added cleared closed opened repaired checked moved lifted counted lost found sent".split()
_FILL = "the a of in on at with after before during near over under for from and but as".split()


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3))).capitalize()


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[list[str], list[float]]:
    """Our news words plus 4,000 pseudo-words, flat Zipf weights (content words only: the
    steep head of real text is function words, which the engines skip)."""
    rng = random.Random(12345)
    words = list(dict.fromkeys(_VOCAB + ["".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4)))
                                         for _ in range(4000)]))
    rng.shuffle(words)
    return words, list(itertools.accumulate(1.0 / (r + 1) ** 0.3 for r in range(len(words))))


def _sentence(rng: random.Random, keys: list[str]) -> str:
    """A sentence of lexicon words with one or two of the event's key terms."""
    lexicon, cum = _lexicon()
    words = []
    for i in range(rng.randint(9, 16)):
        words.append(rng.choice(_FILL) if i % 3 == 1 else rng.choices(lexicon, cum_weights=cum)[0])
    for key in rng.sample(keys, k=min(len(keys), rng.randint(1, 2))):
        words.insert(rng.randint(1, len(words)), key)
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."  # not str.capitalize(): it lower-cases the names


def _paragraphs(rng: random.Random, keys: list[str], n: int) -> list[str]:
    return [" ".join(_sentence(rng, keys) for _ in range(rng.randint(2, 3))) for _ in range(n)]


def synthetic_articles(n: int, seed: int = 0, per_event: int = 8, outlets: int = 6) -> list[dict]:
    """`n` crawler payloads (dicts as `Article.to_json()` would give), deterministic for a seed."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    out: list[dict] = []
    event = 0
    while len(out) < n:
        place, person = f"{_name(rng)} {rng.choice(['Bay', 'Point', 'Quay', 'Vale'])}", f"{_name(rng)} {_name(rng)}"
        org = f"{_name(rng)} {rng.choice(['Council', 'Authority', 'Trust', 'Union'])}"
        kind = rng.choice(_VOCAB)
        num = str(rng.randint(10, 9999))
        keys = [place, person, org, num]
        when = now - timedelta(hours=rng.uniform(0, 48))
        wire = _paragraphs(rng, keys, 5)
        wire_title = f"{kind.capitalize()} in {place}: {person} counts {num}"
        for k in range(min(per_event, n - len(out))):
            if k < per_event // 2:  # copies of the wire story with small edits
                paras = list(wire)
                if k % 2:
                    paras.insert(2, f"READ ALSO: {_sentence(rng, [_name(rng)])}")
                if k % 3 == 2:
                    paras = paras[:-1]
                title = wire_title if k == 0 else f"{place}: {kind} ({rng.choice(['update', 'latest', 'live'])})"
            else:  # independent reports of the same event
                paras = _paragraphs(rng, keys, 4)
                title = f"{person} on the {kind} at {place}"
            outlet = f"Outlet {(event + k) % outlets}"
            out.append({
                "url": f"https://outlet{(event + k) % outlets}.example/news/{event}/{k}",
                "outlet": outlet, "domain": f"outlet{(event + k) % outlets}.example", "country": "GB",
                "language": "en", "title": title, "text": "\n\n".join(paras),
                "authors": [f"{_name(rng)} {_name(rng)}"],
                "published": (when + timedelta(minutes=7 * k)).isoformat(),
            })
        event += 1
    return out
