"""``hipcheck serve``: a local web page over the job store — upload clips, watch the queue, read the
reports, follow each person over weeks.

::

    browser ─▶ FastAPI app (create_app) ─▶ AppState: DATA/uploads (probed, fsynced) ─▶ JobStore row 'queued'
                                                   └─ QueueService thread ─▶ worker processes (analyse_clip)
                                                        ─▶ DATA/sessions/<id>/ ─▶ row 'done' / 'failed'

Loopback by default; any other address needs a token. Nothing is fetched
from elsewhere: templates, stylesheet and script are served by the app.
"""

from hipcheck.web._app import create_app, is_loopback, session_dict
from hipcheck.web._state import AppState, NotFoundError, ServeConfig, check_date, check_exercise, check_person
from hipcheck.web._upload import Upload, clean_label, receive_upload

__all__ = [
    "AppState",
    "NotFoundError",
    "ServeConfig",
    "Upload",
    "check_date",
    "check_exercise",
    "check_person",
    "clean_label",
    "create_app",
    "is_loopback",
    "receive_upload",
    "session_dict",
]
