"""`make bench`: the client, the emulator and the conformance suite measured against their peers.

Map of the package (each module is one measurement or one tool the measurements share):

- ``fixture``      the request every measurement sends (a stop of one Stream) and the bytes it answers
- ``bare_app``     the floor: a bare ASGI app that answers those bytes and does nothing else
- ``servers``      starting and stopping local servers (the floors, the emulator, Prism) on loopback ports
- ``serve``        `python -m bench.serve`: a floor app served with the emulator's own uvicorn settings
- ``stats``        medians and spread over repeats
- ``client_cost``  1. cost per call of our client, raw httpx and the ``twilio`` SDK
- ``import_time``  2. import time in fresh interpreters
- ``throughput``   3. server throughput and latency, driven by ``wrk`` with ``stop_stream.lua``
- ``targets``      the servers under load, started side by side; ``starlette_app`` a second floor
- ``command_time`` 4. and 5. wall time of ``make conformance`` and ``make generate``
- ``results``      what one run measured, on which machine, with which counts (``Plan``: QUICK and FULL)
- ``report``       BENCHMARKS.md tables; ``chart`` the SVG bar chart; ``findings.md`` the analysis it includes
- ``__main__``     ``python -m bench``: runs them all in one process, so the ratios come from one run

Every loop is bounded in count and time, and every server listens on 127.0.0.1 only.
"""
