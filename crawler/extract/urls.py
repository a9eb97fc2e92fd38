"""URL cleaning: one address per article, whatever link led to it."""
from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that only track where a click came from.
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "ga_", "hsa_", "at_")
TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ocid", "cmpid",
                   "_ga", "_gl", "ref_src", "ref_url", "mkt_tok", "spm", "wt_mc", "wt.mc_id", "s_cid"}


def is_tracking_param(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def clean_url(url: str, base: str | None = None) -> str:
    """Absolute URL without tracking parameters and fragment; host lower-cased.
    Raises ValueError for a URL that cannot be parsed."""
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(safe_url_string(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80") or parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query, doseq=True), ""))


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 literal
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@functools.cache
def _public_suffix_list():
    import tldextract  # loaded on first use: most commands never ask for a registered domain

    # tldextract's bundled public-suffix snapshot, never fetched from the network
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_parts(host: str) -> tuple[str, str]:
    """(name, registered domain) of a host by the public-suffix list: ('eza', 'eza.gv.at') of
    www.eza.gv.at; a host without a public suffix ('localhost', an IP) is its own name, with no
    registered domain ('localhost', '')."""
    parts = _public_suffix_list()(host)
    # tldextract 5.3 renamed registered_domain (the old name warns); older releases have only that
    domain = parts.top_domain_under_public_suffix if hasattr(parts, "top_domain_under_public_suffix") \
        else parts.registered_domain
    return parts.domain, domain or ""
