done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"rps":%.1f,"errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
