"""hipcheck: video screening of pelvic drop, knee valgus and hip asymmetry.

The flow is one direction: frames → :class:`~hipcheck.landmarks.PoseSeries`
→ cleaning → geometry metrics → movement segments → assessment → reports.
Each stage is a plain function or small class usable from a notebook.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hipcheck")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
