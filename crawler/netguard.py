"""Refuse private, loopback and link-local addresses (SSRF guard) unless allowed.

Checked three times: literal IPs and local names in every request (also each
redirect hop), and every DNS answer, so a public name that resolves to 10.0.0.1
or 127.0.0.1 is refused too.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

log = logging.getLogger(__name__)

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_public_ip(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.strip("[]"))
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


def refused_host(url: str) -> str | None:
    """Why a URL's host must not be fetched (a literal non-public IP or a local name), else None."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return "no host"
    if host in LOCAL_NAMES or host.endswith(".localhost") or host.endswith(".local"):
        return f"local host name {host}"
    try:
        public = is_public_ip(host)
    except ValueError:
        return None  # a name: its DNS answer is checked by PublicAddressResolver
    return None if public else f"non-public address {host}"


class PrivateAddressRefused(DNSLookupError):
    pass


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that fails names resolving to non-public addresses."""

    allow_private = False
    refused: set[str] = set()  # names refused in this process, for the crawl's error counts

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("NEWSAGG_ALLOW_PRIVATE_ADDRESSES")
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()):
        d = super().getHostByName(name, timeout)
        if not self.allow_private:
            d.addCallback(self._check, name)
        return d

    def _check(self, ip: str, name: str) -> str:
        if not is_public_ip(ip):
            # Twisted reports any resolver error as "no results"; remember and log the real reason.
            PublicAddressResolver.refused.add(name.lower())
            log.warning("host refused", extra={"host": name, "address": ip, "reason": "non-public DNS answer"})
            raise PrivateAddressRefused(f"{name} resolves to non-public address {ip}")
        return ip
