"""Renderers: they read an :class:`~hipcheck.results.Assessment` and compute no metric.

- :mod:`hipcheck.render.report_html` – the self-contained ``report.html``
- :mod:`hipcheck.render.plots` – asymmetry plots (``ax=None`` → ``(fig, ax)``), ``plots/*.png``
- :mod:`hipcheck.render.overlay` – :class:`~hipcheck.render.overlay.PoseAnnotator`, ``annotated.mp4``
- :mod:`hipcheck.render.keyframes` – the worst rep of each side as annotated frames
- :mod:`hipcheck.render.terminal` – the compact terminal summary

Submodules are not imported here, so ``import hipcheck.render`` stays light.
"""
