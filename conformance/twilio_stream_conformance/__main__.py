"""`python -m twilio_stream_conformance`: see conformance/runner.py."""

import sys

from twilio_stream_conformance.runner import main

sys.exit(main())
