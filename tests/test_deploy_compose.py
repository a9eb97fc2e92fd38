"""deploy/: the compose file's structure (no docker here), .env.example and the role definitions."""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import yaml

from tests.support.compose_env import read_compose_env
from tests.support.servers import real_elasticsearch

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
# Read as Docker Compose reads it: a regex that stops at "#" hid that compose took the notes
# beside blank secrets as their values.
ENV_EXAMPLE = read_compose_env((DEPLOY / ".env.example").read_text())
ROLES = json.loads((DEPLOY / "elasticsearch" / "roles.json").read_text())
VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service].get("environment", {}).items()}


def _command(service: str) -> str:
    cmd = SERVICES[service]["command"]
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def test_every_service_is_there():
    assert {"elasticsearch", "kibana", "redis", "workers", "beat", "crawler", "flower",
            "newsagg-init", "kibana-init", "crawl-workers", "maintenance-worker"} <= set(SERVICES)
    assert "worker -Q enrich,assign,index" in _command("workers")
    assert _command("beat") == "newsagg beat" and _command("crawler") == "newsagg crawl"
    assert "celery -A workers flower" in _command("flower")
    assert "newsagg index setup" in _command("newsagg-init")
    assert "newsagg kibana setup" in _command("kibana-init")


def test_kibana_objects_are_imported_apart_without_overwriting_and_nothing_waits_on_them():
    assert "kibana" not in _command("newsagg-init")  # index setup only
    assert "--force" not in _command("kibana-init")  # an editor's change in Kibana is kept
    assert "kibana" not in SERVICES["newsagg-init"]["depends_on"]
    for name, svc in SERVICES.items():
        assert "kibana-init" not in svc.get("depends_on", {}), f"{name} waits on the Kibana import"


def test_crawls_and_maintenance_run_on_their_own_workers():
    queues = {name: _command(name).split("-Q ")[1].split()[0].split(",")
              for name in SERVICES if "command" in SERVICES[name] and "worker -Q" in _command(name)}
    assert queues["crawl-workers"] == ["crawl"] and queues["maintenance-worker"] == ["maintain"]
    assert sorted(q for qs in queues.values() for q in qs) == ["assign", "crawl", "enrich", "index", "maintain"]


def test_long_running_services_have_healthchecks_and_one_beat():
    for name in ("workers", "crawl-workers", "maintenance-worker", "beat", "flower", "redis", "elasticsearch",
                 "kibana"):
        check = SERVICES[name].get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
    worker_check = " ".join(SERVICES["workers"]["healthcheck"]["test"])
    assert "inspect ping -d newsagg@$$HOSTNAME" in worker_check  # the worker's own node (-n newsagg@%h)
    assert "newsagg:beat:lock" in " ".join(SERVICES["beat"]["healthcheck"]["test"])
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    for name in ("newsagg-init", "kibana-init", "crawler"):  # one-shot: nothing to check
        assert SERVICES[name]["healthcheck"] == {"disable": True}


def test_redis_persists_every_second_and_snapshots_for_backups():
    cmd = _command("redis")
    assert "--appendonly yes" in cmd and "--appendfsync everysec" in cmd and "--save" in cmd
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]


def test_single_node_indices_get_no_replicas_by_a_setting():
    assert _env("workers")["NEWSAGG_ES_REPLICAS"] == "${NEWSAGG_ES_REPLICAS:-0}"
    assert ENV_EXAMPLE["NEWSAGG_ES_REPLICAS"].strip() == "0"


def test_images_are_pinned_by_a_version_variable_defined_in_env_example():
    for name, svc in SERVICES.items():
        image = svc["image"]
        m = re.search(r":\$\{([A-Z_]+_VERSION)\}$", image)
        assert m, f"{name}: image {image} is not pinned by a *_VERSION variable"
        assert ENV_EXAMPLE.get(m.group(1), "").strip(), f"{m.group(1)} has no value in .env.example"
    assert "latest" not in (DEPLOY / "docker-compose.yml").read_text()


def test_every_variable_the_compose_file_uses_is_in_env_example():
    used = set(VAR.findall((DEPLOY / "docker-compose.yml").read_text()))
    assert used and used <= set(ENV_EXAMPLE), f"missing from .env.example: {used - set(ENV_EXAMPLE)}"


def test_security_is_on_and_secrets_come_only_from_the_environment():
    es = _env("elasticsearch")
    assert es["xpack.security.enabled"] == "true" and es["xpack.security.http.ssl.enabled"] == "true"
    for name in SERVICES:
        for key, value in _env(name).items():
            if re.search(r"PASSWORD|API_KEY|ENCRYPTIONKEY|BASIC_AUTH", key):
                assert VAR.fullmatch(value), f"{name}.{key} must come from .env, not be written here"
    for key in ("ELASTIC_PASSWORD", "KIBANA_PASSWORD", "NEWSAGG_WRITER_PASSWORD", "NEWSAGG_ADMIN_PASSWORD",
                "KIBANA_ENCRYPTION_KEY", "FLOWER_BASIC_AUTH", "NEWSAGG_CONTACT"):
        # empty as compose reads it: the ${X:?set X} guards fire until the operator sets it
        assert ENV_EXAMPLE[key] == "", f"{key} must be left empty in .env.example, compose reads {ENV_EXAMPLE[key]!r}"


def test_env_example_has_no_comment_beside_a_value():
    for n, line in enumerate((DEPLOY / ".env.example").read_text().splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            assert "#" not in line, f".env.example:{n}: put the comment on its own line: {line!r}"
    assert not any(v.startswith("#") for v in ENV_EXAMPLE.values())


@pytest.mark.parametrize("text, expected", [
    ("ELASTIC_PASSWORD=             # the elastic superuser\n", {"ELASTIC_PASSWORD": "# the elastic superuser"}),
    ("STACK_VERSION=8.15.3          # Elasticsearch\n", {"STACK_VERSION": "8.15.3"}),
    ("A=\nB=a#b\nexport C = v \n", {"A": "", "B": "a#b", "C": "v"}),
    ("A='a # b' # c\nB=\"x\\\\ny\"\n", {"A": "a # b", "B": "x\\ny"}),
    ("# A=1\n  # B=2\nC=  spaced value  \n", {"C": "spaced value"}),
])
def test_compose_env_reader_follows_compose_rules(text, expected):
    assert read_compose_env(text) == expected


def test_newsagg_services_reach_redis_and_elasticsearch_over_tls_as_the_writer():
    for name in ("workers", "beat", "crawler", "flower", "crawl-workers"):
        env = _env(name)
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["ELASTICSEARCH_URL"] == "https://elasticsearch:9200"
        assert env["ELASTICSEARCH_CA_FILE"] == "/certs/ca/ca.crt"
        assert env["ELASTICSEARCH_USERNAME"] == "newsagg_writer"
        assert "certs:/certs:ro" in SERVICES[name]["volumes"]
        deps = SERVICES[name]["depends_on"]
        assert deps["newsagg-init"]["condition"] == "service_completed_successfully"
        assert deps["redis"]["condition"] == "service_healthy"
    assert _env("newsagg-init")["ELASTICSEARCH_USERNAME"] == "elastic"  # bootstrap only
    assert _env("kibana")["ELASTICSEARCH_HOSTS"] == "https://elasticsearch:9200"
    for name in ("elasticsearch", "kibana", "redis"):
        assert "healthcheck" in SERVICES[name]
    for name, svc in SERVICES.items():
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"


def test_editors_read_only_and_writers_cannot_manage_indices():
    editor, writer = ROLES["newsagg_editor"], ROLES["newsagg_writer"]
    assert all(set(p["privileges"]) <= {"read", "view_index_metadata"} for p in editor["indices"])
    assert not editor["cluster"]
    app = editor["applications"][0]
    assert all(p.endswith(".read") for p in app["privileges"])
    assert {"read", "write"} <= set(writer["indices"][0]["privileges"])
    assert not {"manage", "all", "delete_index"} & set(writer["indices"][0]["privileges"])
    from newsagg.index.es_client import KINDS

    for role in (editor, writer):
        names = role["indices"][0]["names"]
        for kind in KINDS:  # every newsagg index is covered
            assert any(re.fullmatch(n.replace("*", ".*"), f"newsagg-{kind}-v1") for n in names)


def test_roles_follow_the_index_prefix():
    from newsagg.core.settings import Settings
    from newsagg.index.es_admin import EsAdmin

    s = EsAdmin(Settings(elasticsearch_url="http://127.0.0.1:9", index_prefix="news2"))
    names = s.role_definitions()["newsagg_editor"]["indices"][0]["names"]
    assert names == ["news2-articles*", "news2-clusters*", "news2-merges*"]


@pytest.mark.needs_real_es
@pytest.mark.skipif(not real_elasticsearch(), reason="noida-db has no security API; set ELASTICSEARCH_URL to a real cluster")
def test_roles_install_on_a_real_cluster(elasticsearch_url):
    from newsagg.core.settings import Settings
    from newsagg.index.es_admin import EsAdmin

    s = EsAdmin(Settings(elasticsearch_url=elasticsearch_url, index_prefix=f"t{uuid.uuid4().hex[:8]}"))
    assert s.put_roles() == sorted(ROLES)
    got = s.es.security.get_role(name="newsagg_editor")["newsagg_editor"]
    assert got["indices"][0]["privileges"] == ["read", "view_index_metadata"]


def test_index_templates_carry_the_replicas_setting(elasticsearch_url):
    from newsagg.core.settings import Settings
    from newsagg.index.es_admin import EsAdmin

    prefix = f"t{uuid.uuid4().hex[:8]}"
    with EsAdmin(Settings(elasticsearch_url=elasticsearch_url, index_prefix=prefix, es_replicas=0)) as admin:
        admin.put_templates()
        got = admin.es.indices.get_index_template(name=f"{prefix}-articles")["index_templates"][0]
        assert str(got["index_template"]["template"]["settings"]["index"]["number_of_replicas"]) == "0"
    with EsAdmin(Settings(elasticsearch_url=elasticsearch_url, index_prefix=prefix + "d")) as admin:
        admin.put_templates()  # unset: the cluster's default
        got = admin.es.indices.get_index_template(name=f"{prefix}d-articles")["index_templates"][0]
        assert "number_of_replicas" not in got["index_template"]["template"]["settings"].get("index", {})
