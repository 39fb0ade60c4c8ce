"""``python -m hipcheck.cli``: the same as the ``hipcheck`` command."""

import sys

from hipcheck.cli import main

sys.exit(main())
