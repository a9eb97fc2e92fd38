import redis
from elasticsearch import Elasticsearch


def test_redis_server_is_real_and_restartable(redis_server):
    r = redis.Redis.from_url(redis_server.url)
    r.set("k", "v")
    redis_server.restart()
    assert redis.Redis.from_url(redis_server.url).get("k") == b"v"  # AOF kept it


def test_elasticsearch_api_answers(elasticsearch_url):
    es = Elasticsearch(elasticsearch_url)
    es.index(index="smoke", id="1", document={"title": "harbour storm"}, refresh=True)
    hits = es.search(index="smoke", query={"match": {"title": "storm"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["1"]
