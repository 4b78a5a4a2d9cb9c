-- Posts pre-signed Stripe events, one file line ("signature<TAB>body") per delivery.
-- Each wrk thread takes every n-th line, so no delivery is sent twice by accident; the
-- file's own repeats are the duplicates. A thread that runs out stops.
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local step = tonumber(args[2])
  requests = {}
  local index = 0
  for line in io.lines(args[1]) do
    index = index + 1
    if (index - id) % step == 0 then
      local signature, body = line:match("^([^\t]+)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/webhooks/stripe", {
        ["Content-Type"] = "application/json",
        ["Stripe-Signature"] = signature,
      }, body)
    end
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then
    wrk.thread:stop()
    position = 1
  end
  return requests[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "errors": %d, "status": %d, "p50": %d, "p99": %d}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(99)))
end
