"""`python -m api.cli ...` is the `youthcare` command (how `python -m api.serve` starts the projector)."""

import sys

from api.cli import main

sys.exit(main())
