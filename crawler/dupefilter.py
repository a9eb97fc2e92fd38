"""The distributed crawl's request filter, bounded in time.

scrapy-redis's RFPDupeFilter keeps every request fingerprint in one Redis set for ever
(with SCHEDULER_PERSIST): the set only grows, and an article whose hand-off failed was
never requested again. This one keeps each fingerprint with the time it was first seen
(a sorted set) and forgets it after NEWSAGG_DUPEFILTER_TTL_S: its job is to stop two
crawler processes fetching one URL in the same crawl; what was fetched across runs is
the frontier's `fetched` (crawler.store), pruned by `maintain`.
"""
from __future__ import annotations

import time

from scrapy_redis.dupefilter import RFPDupeFilter

# KEYS: the sorted set; ARGV: fingerprint, now, oldest time still a duplicate.
# Returns 1 when the request is new (or its fingerprint too old), 0 when a duplicate.
_SEEN_LUA = """
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""


class TimedDupeFilter(RFPDupeFilter):
    """RFPDupeFilter whose fingerprints lapse after `ttl` seconds."""

    def __init__(self, server, key, debug=False, ttl: float = 3600.0):
        super().__init__(server, key, debug)
        self.ttl = ttl
        self._seen = server.register_script(_SEEN_LUA)

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        df.ttl = spider.settings.getfloat("NEWSAGG_DUPEFILTER_TTL_S", 3600.0)
        return df

    def request_seen(self, request) -> bool:
        now = time.time()
        fp = self.request_fingerprint(request)
        return not self._seen(keys=[self.key], args=[fp, now, now - self.ttl])

    def open(self):  # drop what lapsed since the last crawl
        self.server.zremrangebyscore(self.key, "-inf", f"({time.time() - self.ttl}")
