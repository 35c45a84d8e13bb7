-- wrk hook for scripts/bench_wrk.py: print the run's figures as one JSON line, so the benchmark reads
-- numbers instead of scraping wrk's human-readable report (whose units change with magnitude).
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_SUMMARY {"requests": %.0f, "duration_us": %.0f, "p50_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
      .. '"status_errors": %.0f, "connect_errors": %.0f, "read_errors": %.0f, "write_errors": %.0f, '
      .. '"timeouts": %.0f}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
