"""One connection to Elasticsearch, shared by data access (es_store) and administration
(es_admin): the client from settings, the index names of a prefix, and the translation of
connection and permission errors into one line saying what to do.

Names (prefix = settings.index_prefix, default "newsagg"):
  {prefix}-articles   alias (read + write) over {prefix}-articles-v{N}-000001, -000002, ... (rollover by time)
  {prefix}-clusters   alias over {prefix}-clusters-v{N}      (_id = event id)
  {prefix}-merges     alias over {prefix}-merges-v{N}        (_id = absorbed event id -> survivor)
"""
from __future__ import annotations

import re
from typing import Any

from elasticsearch import (
    AuthenticationException,
    AuthorizationException,
    Elasticsearch,
    NotFoundError,
)
from elasticsearch import ConnectionError as ESConnectionError

from newsagg.core.services import redact_url
from newsagg.core.settings import Settings
from newsagg.index.base import StoreUnavailable

KINDS = ("articles", "clusters", "merges")


def client_from_settings(settings: Settings) -> Elasticsearch:
    """An Elasticsearch client: API key or user/password, TLS with a CA file. Secrets come from the
    environment (settings) and are never logged."""
    if not settings.elasticsearch_url:
        raise StoreUnavailable("ELASTICSEARCH_URL is not set")
    hosts = [h.strip() for h in settings.elasticsearch_url.split(",") if h.strip()]
    kwargs: dict[str, Any] = {"request_timeout": settings.elasticsearch_timeout_s,
                              "retry_on_timeout": True, "max_retries": 3}
    if settings.elasticsearch_api_key:
        kwargs["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    elif settings.elasticsearch_username:
        pw = settings.elasticsearch_password.get_secret_value() if settings.elasticsearch_password else ""
        kwargs["basic_auth"] = (settings.elasticsearch_username, pw)
    if settings.elasticsearch_ca_file:
        if not settings.elasticsearch_ca_file.is_file():
            raise StoreUnavailable(f"ELASTICSEARCH_CA_FILE {settings.elasticsearch_ca_file} does not exist: "
                                   "point it at the cluster's CA certificate (PEM)")
        kwargs["ca_certs"] = str(settings.elasticsearch_ca_file)
    return Elasticsearch(hosts, **kwargs)


class EsConnection:
    """A client, the index names of one prefix, and calls whose failures say what to do next."""

    def __init__(self, settings: Settings, client: Elasticsearch | None = None):
        self.settings = settings
        self.prefix = settings.index_prefix
        self.url = redact_url(settings.elasticsearch_url.split(",")[0]) if settings.elasticsearch_url else ""
        self.es = client or client_from_settings(settings)

    # ---------------------------------------------------------------- names
    def alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def index_name(self, kind: str, version: int) -> str:
        base = f"{self.prefix}-{kind}-v{version}"
        return f"{base}-000001" if kind == "articles" else base

    @staticmethod
    def version_of(index: str) -> int:
        m = re.search(r"-v(\d+)(?:-\d+)?$", index)
        return int(m.group(1)) if m else 0

    # ---------------------------------------------------------------- errors
    def unavailable(self, exc: Exception) -> StoreUnavailable:
        if isinstance(exc, AuthenticationException):
            return StoreUnavailable(
                f"Elasticsearch at {self.url} rejected the credentials: set ELASTICSEARCH_API_KEY, or "
                "ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD.")
        if isinstance(exc, AuthorizationException):
            return StoreUnavailable(
                f"Elasticsearch at {self.url} refused the request ({exc.message}): the user needs the "
                "newsagg_writer role (deploy/elasticsearch/roles.json).")
        return StoreUnavailable(
            f"Elasticsearch at {self.url} is unreachable ({type(exc).__name__}). Check that it is running "
            "and ELASTICSEARCH_URL is right, or unset ELASTICSEARCH_URL to use the embedded SQLite store.")

    def call(self, fn, *args, **kwargs):
        """Run one client call; connection and auth problems become StoreUnavailable with a next step."""
        try:
            return fn(*args, **kwargs)
        except (ESConnectionError, AuthenticationException, AuthorizationException) as exc:
            raise self.unavailable(exc) from None
        except NotFoundError as exc:
            if exc.error == "index_not_found_exception":
                raise StoreUnavailable(f"the newsagg indices (prefix {self.prefix!r}) do not exist on Elasticsearch at "
                                       f"{self.url}: run `newsagg index setup` first") from None
            raise

    def alias_indices(self, kind: str) -> dict[str, dict[str, Any]]:
        """{index: alias properties} behind one alias ({} when it does not exist)."""
        try:
            found = self.call(self.es.indices.get_alias, name=self.alias(kind)).body
        except NotFoundError:
            return {}
        return {idx: info["aliases"][self.alias(kind)] for idx, info in found.items()}

    def close(self) -> None:
        self.es.close()
