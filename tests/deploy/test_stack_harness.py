"""The stack harness (tests/deploy/stack.py) set up as bench/load.py sets it up: on an
existing database, other ports, another Redis database, its own sizes. Nothing here
starts a process or needs PostgreSQL."""

import pytest

from tests.deploy.stack import ROOT, Stack, nginx_config

BENCH_URL = "postgres://postgres@127.0.0.1:5432/someone_elses_bench"


def bench_stack(folder) -> Stack:
    return Stack(
        folder,
        database_url=BENCH_URL,
        redis_db=6,
        https_port=29443,
        http_port=29080,
        web_ports=(29001, 29002),
        s3_port=29900,
        web_workers=3,
        web_threads=4,
        web_max_requests="0",
    )


def test_a_stack_on_an_existing_database_will_neither_remake_nor_drop_it(tmp_path):
    stack = bench_stack(tmp_path)

    with pytest.raises(RuntimeError, match="will not make"):
        stack.make_database()
    with pytest.raises(RuntimeError, match="will not drop"):
        stack.drop_database()


def test_every_process_of_a_bench_stack_gets_its_database_redis_ports_and_sizes(tmp_path):
    env = bench_stack(tmp_path).env(role="fq_h8_owner")

    assert env["DATABASE_URL"] == BENCH_URL
    assert env["REDIS_URL"].endswith("/6")
    assert env["DJANGO_CSRF_TRUSTED_ORIGINS"] == "https://localhost:29443"
    assert env["FENGQIAO_S3_ENDPOINT_URL"] == "http://127.0.0.1:29900"
    assert (env["FENGQIAO_WEB_WORKERS"], env["FENGQIAO_WEB_THREADS"]) == ("3", "4")
    assert env["FENGQIAO_WEB_MAX_REQUESTS"] == "0"


def test_the_smoke_tests_stack_keeps_its_own_database_and_leaves_recycling_as_configured(
    tmp_path,
):
    env = Stack(tmp_path).env()

    assert env["DATABASE_URL"].endswith("/fq_h8_stack")
    assert env["DATABASE_URL"].startswith("postgres://fq_h8_app@")
    assert env["REDIS_URL"].endswith("/8")
    assert "FENGQIAO_WEB_MAX_REQUESTS" not in env


def test_the_nginx_site_listens_on_the_ports_and_upstreams_it_is_given(tmp_path):
    site = (ROOT / "deploy" / "nginx" / "fengqiao.conf").read_text()

    config = nginx_config(
        site,
        tmp_path,
        tmp_path / "static",
        tmp_path / "fullchain.pem",
        tmp_path / "privkey.pem",
        http_port=29080,
        https_port=29443,
        web_ports=(29001, 29002),
        worker_connections=1056,
    )

    assert "listen 127.0.0.1:29443 ssl http2;" in config
    assert "listen 127.0.0.1:29080;" in config
    assert "server 127.0.0.1:29001 " in config and "server 127.0.0.1:29002 " in config
    assert "19443" not in config and "127.0.0.1:8001" not in config
    assert "worker_connections 1056;" in config
