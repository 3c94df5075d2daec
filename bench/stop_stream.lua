-- wrk script: stop one Stream again and again, as Twilio clients do: a POST with a form body and
-- HTTP basic auth, on kept-alive connections. The harness passes the Authorization value in
-- WRK_AUTHORIZATION (wrk's LuaJIT has no base64) and the Stream's URL on the command line.
wrk.method = "POST"
wrk.body = "Status=stopped"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("WRK_AUTHORIZATION")

-- After wrk's own report, one line for the harness to read; latencies are in microseconds.
-- errors.status counts answers with a status of 400 or more: a run with any is not a valid figure.
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"http_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
