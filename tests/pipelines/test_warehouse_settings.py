"""DuckDB's memory limit, threads and spill folder reach every connection the project opens."""

from __future__ import annotations

import dlt
import pytest

from pipelines import settings, warehouse


def _settings(con) -> dict[str, str]:
    names = ("memory_limit", "threads", "temp_directory")
    row = con.execute("select " + ", ".join(f"current_setting('{n}')" for n in names)).fetchall()[0]
    return dict(zip(names, (str(v) for v in row), strict=True))


def test_connect_applies_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    for env in (settings.MEMORY_LIMIT_ENV, settings.THREADS_ENV, settings.TEMP_DIR_ENV):
        monkeypatch.delenv(env, raising=False)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        got = _settings(con)
    # DuckDB reports 2GB as 1.8 GiB (it prints in binary units).
    assert got["memory_limit"] in ("1.8 GiB", "1.9 GiB", "2.0 GB", "1.8GiB")
    assert got["threads"] == "2"
    assert got["temp_directory"] == str(tmp_path / "duckdb-spill")
    assert (tmp_path / "duckdb-spill").is_dir()


def test_connect_applies_the_environment_read_only_too(tmp_path, monkeypatch):
    spill = tmp_path / "spill"
    monkeypatch.setenv(settings.MEMORY_LIMIT_ENV, "512MB")
    monkeypatch.setenv(settings.THREADS_ENV, "1")
    monkeypatch.setenv(settings.TEMP_DIR_ENV, str(spill))
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        assert _settings(con)["threads"] == "1"
    with warehouse.connect(tmp_path / "w.duckdb", read_only=True) as con:
        got = _settings(con)
    assert got["memory_limit"] in ("488.2 MiB", "512.0 MB", "488.2MiB")
    assert got["threads"] == "1"
    assert got["temp_directory"] == str(spill)


def test_a_spilling_query_stays_within_the_limit(tmp_path, monkeypatch):
    """A sort larger than the limit completes by spilling into the configured folder."""
    monkeypatch.setenv(settings.MEMORY_LIMIT_ENV, "64MB")
    monkeypatch.setenv(settings.THREADS_ENV, "1")
    monkeypatch.setenv(settings.TEMP_DIR_ENV, str(tmp_path / "spill"))
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        con.execute("create table t as select range as i, md5(range::varchar) as s from range(3000000)")
        rows = con.execute("select count(*) from (select * from t order by s)").fetchall()
    assert rows == [(3000000,)]


@pytest.mark.parametrize(("env", "value", "hint"), [
    (settings.MEMORY_LIMIT_ENV, "lots", "e.g. 2GB"),
    (settings.MEMORY_LIMIT_ENV, "2", "e.g. 2GB"),
    (settings.MEMORY_LIMIT_ENV, "0GB", "positive"),
    (settings.THREADS_ENV, "0", "at least 1"),
    (settings.THREADS_ENV, "two", "at least 1"),
])
def test_a_bad_value_names_the_variable_and_the_fix(tmp_path, monkeypatch, env, value, hint):
    monkeypatch.setenv(env, value)
    with pytest.raises(ValueError, match=env) as caught, warehouse.connect(tmp_path / "w.duckdb"):
        pass
    assert hint in str(caught.value) and "unset it" in str(caught.value)
    assert not (tmp_path / "w.duckdb").exists()


def test_a_temp_dir_that_is_a_file_is_refused(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(settings.TEMP_DIR_ENV, str(blocker))
    with pytest.raises(ValueError, match=settings.TEMP_DIR_ENV), warehouse.connect(tmp_path / "w.duckdb"):
        pass


def test_dlt_opens_the_warehouse_with_the_same_settings(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.MEMORY_LIMIT_ENV, "768MB")
    monkeypatch.setenv(settings.THREADS_ENV, "1")
    monkeypatch.setenv(settings.TEMP_DIR_ENV, str(tmp_path / "spill"))
    pipeline = dlt.pipeline(pipeline_name="settings_probe", pipelines_dir=str(tmp_path / "dlt"),
                            destination=dlt.destinations.duckdb(warehouse.dlt_credentials(tmp_path / "w.duckdb")),
                            dataset_name="probe")
    pipeline.run([{"id": 1}], table_name="rows")
    with pipeline.sql_client() as client:
        row = client.execute_sql("select current_setting('memory_limit'), current_setting('threads'), "
                                 "current_setting('temp_directory')")[0]
    assert str(row[0]) in ("732.4 MiB", "768.0 MB", "732.4MiB")
    assert str(row[1]) == "1"
    assert str(row[2]) == str(tmp_path / "spill")
