"""A batch on many machines: a ``dask.distributed`` client to a cluster the user started.

hipcheck runs no scheduler of its own: ``dask scheduler`` and ``dask worker``
are started by the user; :func:`connect_cluster` connects to the scheduler,
waits for a worker and checks that every worker runs this hipcheck version.
The client is an executor for :func:`~hipcheck.jobs.run_batch` (one task per
clip: cutting a clip would restart pose tracking).
"""

from __future__ import annotations

from typing import Any

from hipcheck import __version__
from hipcheck.errors import ClusterError
from hipcheck.jobs._worker import worker_version


def connect_cluster(address: str, *, connect_timeout_s: float = 10.0, timeout_s: float = 60.0) -> Any:
    """A ``dask.distributed.Client`` connected to the scheduler at ``address`` (``tcp://host:8786``).

    Raises :class:`~hipcheck.errors.ClusterError` when ``distributed`` is not installed, the
    scheduler cannot be reached within ``connect_timeout_s`` seconds, no worker joins within
    ``timeout_s`` seconds, or a worker runs another hipcheck version (or none).
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise ClusterError(f"{address}: --scheduler needs dask.distributed (pip install 'dask[distributed]')") from exc
    try:
        client = Client(address, timeout=connect_timeout_s, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"{address}: cannot reach the Dask scheduler ({exc})") from exc
    try:
        _wait_for_a_worker(client, address, timeout_s)
        check_versions(client, address)
    except BaseException:
        client.close()  # type: ignore[no-untyped-call]
        raise
    return client


def _wait_for_a_worker(client: Any, address: str, timeout_s: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except TimeoutError as exc:
        raise ClusterError(f"{address}: no Dask worker joined the scheduler within {timeout_s:g} s") from exc


def check_versions(client: Any, address: str) -> dict[str, str]:
    """Every worker's hipcheck version (worker address → version); raises
    :class:`~hipcheck.errors.ClusterError` naming the first worker whose version differs from the client's.
    """
    try:
        versions: dict[str, str] = client.run(worker_version)
    except (ImportError, AttributeError) as exc:  # the worker cannot unpickle a hipcheck function
        raise ClusterError(f"{address}: a worker cannot import hipcheck {__version__} ({exc})") from exc
    except TimeoutError as exc:
        raise ClusterError(f"{address}: no Dask worker answered in time") from exc
    if not versions:
        raise ClusterError(f"{address}: the Dask cluster has no workers")
    for worker, found in sorted(versions.items()):
        if found != __version__:
            raise ClusterError(
                f"{address}: worker {worker} runs hipcheck {found}, this client {__version__}: "
                "install the same hipcheck version on every worker"
            )
    return versions


__all__ = ["check_versions", "connect_cluster"]
