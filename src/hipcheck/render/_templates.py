"""The Jinja2 templates every HTML page of hipcheck is made from (report, batch summary, trend, web pages).

One environment with autoescaping: every value a template prints is escaped
unless it is :class:`markupsafe.Markup` made here. ``base.html`` is the
layout (blocks ``title``, ``head``, ``nav``, ``content``, ``scripts``); a
self-contained file inlines the stylesheet (``css()``), a served page links
it (``stylesheet_url``). Other packages add their own template folders
(the web pages) with :func:`template_environment`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from hipcheck.render._style import SIDE_HEX

TEMPLATES = Path(__file__).with_name("templates")
"""This package's templates: ``base.html``, ``hipcheck.css`` and the pages made from them."""


@functools.cache
def stylesheet() -> str:
    """The one stylesheet of every page (the side colours from the palette)."""
    css = jinja2.Template((TEMPLATES / "hipcheck.css").read_text(encoding="utf-8"), autoescape=False)
    text: str = css.render(left_color=SIDE_HEX["left"], right_color=SIDE_HEX["right"])
    return text


@functools.cache
def template_environment(*extra: str) -> jinja2.Environment:
    """The environment over ``extra`` template folders (searched first), then this package's templates.

    Autoescaping is on for every template; undefined names are errors, not blanks.
    """
    loader = jinja2.FileSystemLoader([*extra, str(TEMPLATES)])
    env = jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    env.globals["css"] = lambda: Markup(stylesheet())
    env.globals["stylesheet_url"] = None
    return env


def render_template(name: str, extra: Sequence[str | Path] = (), /, **context: Any) -> str:
    """Render template ``name`` (searched in ``extra`` folders, then this package's) with ``context``."""
    text: str = template_environment(*map(str, extra)).get_template(name).render(**context)
    return text


__all__ = ["TEMPLATES", "render_template", "stylesheet", "template_environment"]
