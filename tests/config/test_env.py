import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_database, env_int, env_list, env_str


def test_a_boolean_setting_accepts_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False


def test_a_misspelt_boolean_stops_start_up_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", False)


def test_an_unset_boolean_takes_its_default(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_a_non_numeric_integer_stops_start_up(monkeypatch):
    monkeypatch.setenv("PAGE_SIZE", "twenty")
    with pytest.raises(ImproperlyConfigured, match="PAGE_SIZE"):
        env_int("PAGE_SIZE", 25)


def test_a_required_string_that_is_missing_stops_start_up(monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY_X", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY_X"):
        env_str("DJANGO_SECRET_KEY_X")


def test_a_list_is_split_on_commas_and_trimmed(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_a_malformed_database_url_stops_start_up(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgress://oops")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL", "sqlite:///x.sqlite3")


def test_without_a_database_url_the_default_sqlite_file_is_used(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env_database("DATABASE_URL", "sqlite:///tmp/portal.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "tmp/portal.sqlite3"


def test_a_postgres_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fengqiao")
    config = env_database("DATABASE_URL", "sqlite:///x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "fengqiao"


def test_a_choice_outside_its_list_stops_start_up_naming_the_variable_and_the_choices(
    monkeypatch,
):
    monkeypatch.setenv("FENGQIAO_LEDGER_PAPER", "Letter")
    with pytest.raises(ImproperlyConfigured, match="FENGQIAO_LEDGER_PAPER.*A4, A3"):
        env_choice("FENGQIAO_LEDGER_PAPER", ("A4", "A3"), "A4")
    monkeypatch.setenv("FENGQIAO_LEDGER_PAPER", " A3 ")
    assert env_choice("FENGQIAO_LEDGER_PAPER", ("A4", "A3"), "A4") == "A3"
    monkeypatch.delenv("FENGQIAO_LEDGER_PAPER")
    assert env_choice("FENGQIAO_LEDGER_PAPER", ("A4", "A3"), "A4") == "A4"
