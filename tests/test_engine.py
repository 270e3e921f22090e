"""The dask engine: the same results as the local one, on a local cluster."""

from __future__ import annotations

import pytest

pytest.importorskip("dask_geopandas")
pytest.importorskip("distributed")

from click.testing import CliRunner

import corridors
from corridors import CorridorsError, settings
from corridors.cli.main import cli
from corridors.engine import ENGINES, run_dask


def _double(items, *, plus=0):
    return [2 * i + plus for i in items]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


def test_engines():
    assert ENGINES == ("local", "dask")


@pytest.mark.slow
def test_run_dask_keeps_partition_order(cluster):
    seen: list[int] = []
    out = run_dask(
        _double, [[1, 2], [3], [4, 5, 6]], {"plus": 1}, scheduler=cluster.scheduler_address, progress=seen.append
    )
    assert out == [[3, 5], [7], [9, 11, 13]]
    assert sorted(seen) == [1, 2, 3]


@pytest.mark.slow
def test_dask_scores_equal_local_scores(cluster, monkeypatch):
    catalog = corridors.load_catalog()
    monkeypatch.setattr(settings, "SCORE_CHUNK_ROUTES", 7)  # several partitions, the local batches
    local = corridors.score(catalog)
    remote = corridors.score(catalog, engine="dask", scheduler=cluster.scheduler_address)
    assert remote.drop(columns="geometry").equals(local.drop(columns="geometry"))
    assert remote.geometry.geom_equals_exact(local.geometry, tolerance=0).all()
    assert corridors.records_of(remote) == corridors.records_of(local)


@pytest.mark.slow
def test_cli_dask_engine_writes_the_same_csv(cluster, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "SCORE_CHUNK_ROUTES", 9)
    local, remote, own = (tmp_path / f"{name}.csv" for name in ("local", "remote", "own"))
    assert CliRunner().invoke(cli, ["compare", "--format", "csv", "-o", str(local)]).exit_code == 0
    args = ["compare", "--format", "csv", "--scheduler", cluster.scheduler_address, "-o", str(remote)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()
    result = CliRunner().invoke(cli, ["score", "tapi", "--engine", "dask", "--workers", "1", "-o", str(own)])
    assert result.exit_code == 0, result.output  # a LocalCluster of its own


def test_unreachable_scheduler_is_one_error():
    with pytest.raises(CorridorsError, match="scheduler"):
        corridors.score(corridors.load_catalog().select(["tapi"]), engine="dask", scheduler="tcp://127.0.0.1:9")
