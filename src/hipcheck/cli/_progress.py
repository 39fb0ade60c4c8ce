"""A terminal progress bar for long frame loops (frames/s and ETA), on stderr."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

FINISHING = "waistline, analysis, plots and report"
"""The label once every frame has been through the pose model: the work left before the job ends."""


class FrameProgress:
    """Callable ``progress(done_frames, total_frames_or_None)`` drawing a rich bar.

    Use as a context manager so the bar is closed even on error. Once all frames
    are done the label says what is still being made (:data:`FINISHING`), so a
    full bar never sits there unexplained.
    """

    def __init__(self, description: str = "pose", console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[fps]} frames/s"),
            TimeRemainingColumn(), console=console or Console(stderr=True), transient=True,
        )  # fmt: skip
        self._task: TaskID | None = None
        self._description = description

    def __enter__(self) -> FrameProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def __call__(self, done: int, total: int | None) -> None:
        """Report ``done`` frames of ``total`` (None when unknown)."""
        if self._task is None:
            self._task = self._progress.add_task(self._description, total=total, fps="  -  ")
        task = self._progress.tasks[self._task]
        speed = task.speed
        fps = f"{speed:5.1f}" if speed else "  -  "
        finished = total is not None and done >= total
        label = f"{FINISHING}…" if finished else self._description
        self._progress.update(self._task, completed=done, total=total, fps=fps, description=label)
