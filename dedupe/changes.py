"""What a copy changed against its copy group's originator: added, removed and
changed passages (sentences), and whether the headline changed. Pure function.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from newsagg.core.schema import Changes
from newsagg.core.text import fold, sentences, tokens

# Two sentences at least this alike (Dice coefficient of their word sets) are one
# passage changed (a typo, a new figure) rather than one removed and another added.
CHANGED_SENTENCE_RATIO = 0.5


def _alike(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def _key(sentence: str) -> str:
    return " ".join(tokens(sentence))


@dataclass(frozen=True)
class Passages:
    """A cleaned text's sentences and their keys (folded tokens, space-joined):
    what a diff lines up. The story engine keeps them with an article's features."""

    sentences: list[str]
    keys: list[str]


def passages(text: str) -> Passages:
    found = sentences(text)
    return Passages(found, [_key(s) for s in found])


def diff_texts(original_title: str, original_text: str, copy_title: str, copy_text: str) -> Changes:
    """Changes of the copy against the original; texts are cleaned article texts."""
    return diff_passages(original_title, passages(original_text), copy_title, passages(copy_text))


def diff_passages(original_title: str, original: Passages, copy_title: str, copy: Passages) -> Changes:
    """`diff_texts` of texts already cut into passages."""
    title_changed = bool(original_title or copy_title) and fold(original_title).strip() != fold(copy_title).strip()
    if original.sentences == copy.sentences:  # wire copy republished as is: nothing to line up
        return Changes(title_changed=title_changed)
    a, b = original.sentences, copy.sentences
    ka, kb = original.keys, copy.keys
    # Word sets of the copy's sentences in replaced blocks only (most of a copy lines up).
    wb: dict[int, set[str]] = {}
    added: list[str] = []
    removed: list[str] = []
    changed: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        old, new = list(range(i1, i2)), list(range(j1, j2))
        # Pair sentences of a replaced block that are still alike; the rest
        # were removed from the original or added by the copy.
        for i in list(old):
            best, best_ratio = None, CHANGED_SENTENCE_RATIO
            words_i = set(ka[i].split())
            for j in new:
                if j not in wb:
                    wb[j] = set(kb[j].split())
                ratio = _alike(words_i, wb[j])
                if ratio >= best_ratio:
                    best, best_ratio = j, ratio
            if best is not None:
                changed.append((a[i], b[best]))
                old.remove(i)
                new.remove(best)
        removed.extend(a[i] for i in old)
        added.extend(b[j] for j in new)
    return Changes(added=added, removed=removed, changed=changed, title_changed=title_changed)
