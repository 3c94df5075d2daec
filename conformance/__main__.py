"""`python -m conformance`: see conformance/runner.py."""

import sys

from conformance.runner import main

sys.exit(main())
