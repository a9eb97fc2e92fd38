"""Country names as written in running text, in several languages, mapped to ISO
3166 alpha-2 codes: pycountry's names and its translations (gettext catalogues
inside the package: nothing downloaded), plus aliases it lacks (data/countries.yaml).

One source for the enrichment's country entities and the story engine, which
links reports of one happening across languages by the countries they name
("Türkei", "Turquía", "Turkey": TR).
"""
from __future__ import annotations

import functools
import gettext
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("data")


def _written_forms(name: str) -> list[str]:
    """The forms of a catalogue name that occur in running text: ISO's inverted
    names ("Syrien, Arabische Republik") by their first part; none with brackets."""
    if "(" in name:
        return []
    return [name.split(",")[0].strip()] if "," in name else [name]


@functools.lru_cache(maxsize=8)
def country_names(languages: tuple[str, ...] = ()) -> dict[str, str]:
    """Written country name -> alpha-2: English names (ISO's name, common and official
    names), their translations into `languages` where pycountry has a catalogue, and
    the aliases of data/countries.yaml."""
    import pycountry

    catalogues = []
    for lang in languages:
        try:
            catalogues.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:  # no catalogue for that language
            continue
    codes: dict[str, set[str]] = {}
    for c in pycountry.countries:
        english = [n for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)) if n]
        for name in english + [cat.gettext(n) for cat in catalogues for n in english]:
            for form in _written_forms(name):
                codes.setdefault(form, set()).add(c.alpha_2)
    # A form two countries share ("Korea", "Congo") names neither.
    names = {form: next(iter(cs)) for form, cs in codes.items() if len(cs) == 1}
    # BaseLoader: "NO" (Norway) stays a string.
    aliases = yaml.load((DATA / "countries.yaml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["aliases"]
    names.update(aliases)
    return names
