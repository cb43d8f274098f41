-- wrk script for POST /api/v1/transactions/score (used by score_load.py --tool wrk; can run alone):
--   wrk -t2 -c8 -d15s -s benchmarks/monitoring/score_wrk.lua http://127.0.0.1:8765 -- <bearer token> <run tag>
-- Each request: a fresh transaction id (run tag, thread, counter), except 5 % replays of an earlier id of the
-- same thread (the idempotent path); 5 % large-value cash, 5 % near-threshold cash, 0.2 % high-risk country
-- (blocked: opens an alert and writes an audit record) — the same mix as score_load.py's own client.
-- Prints one JSON line at the end: requests, req/s, latency percentiles (ms), errors and non-2xx count.

local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   token = args[1]
   tag = args[2] or "wrk"
   counter = 0
   math.randomseed(tid * 7919 + os.time())
end

local function normal()
   local u1, u2 = math.random(), math.random()
   return math.sqrt(-2 * math.log(u1 + 1e-12)) * math.cos(2 * math.pi * u2)
end

request = function()
   local txn_id
   if counter > 0 and math.random() < 0.05 then
      txn_id = string.format("%s-%d-%09d", tag, tid, math.random(1, counter))
   else
      counter = counter + 1
      txn_id = string.format("%s-%d-%09d", tag, tid, counter)
   end
   local customer = math.random(0, 19999)
   local roll = math.random()
   local amount, channel
   if roll < 0.05 then
      amount, channel = 50000 + math.random() * 40000, "cash"
   elseif roll < 0.10 then
      amount, channel = 45000 + math.random() * 4999, "cash"
   else
      local channels = { "transfer", "card", "other" }
      amount, channel = math.exp(7 + 1.2 * normal()), channels[math.random(1, 3)]
   end
   local country = (math.random() < 0.002) and "KP" or "CN"
   local body = string.format(
      '{"txn_id":"%s","ts":"2026-03-%02dT10:%02d:00+08:00","account_id":"A%06d","customer_id":"C%06d",' ..
      '"customer_type":"%s","direction":"%s","amount":%.2f,"currency":"CNY","channel":"%s",' ..
      '"counterparty_account_id":"A%06d","counterparty_country":"%s"}',
      txn_id, 1 + customer % 28, math.random(0, 59), customer, customer,
      (customer % 10 == 0) and "entity" or "individual", (math.random() < 0.5) and "in" or "out",
      math.max(amount, 0.01), channel, math.random(0, 19999), country)
   return wrk.format("POST", "/api/v1/transactions/score",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

done = function(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "seconds": %.2f, "req_per_s": %.1f, "p50_ms": %.1f, "p90_ms": %.1f, "p95_ms": %.1f, ' ..
      '"p99_ms": %.1f, "max_ms": %.1f, "mean_ms": %.1f, "non_2xx": %d, "socket_errors": %d}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      e.status, e.connect + e.read + e.write + e.timeout))
end
