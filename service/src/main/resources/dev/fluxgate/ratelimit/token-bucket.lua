-- Fluxgate token-bucket rate limiter: one atomic decision over every window of a policy.
-- KEYS[i]  one hash per window ({tokens, ts}); all keys share a hash tag, so they live in one cluster slot.
-- ARGV[2i-1] the window's capacity (tokens); ARGV[2i] its refill period in microseconds.
-- Time comes from the Redis server (TIME), so instances with skewed clocks share one consistent budget.
-- Returns {allowed, retry_after_us, remaining_1, reset_us_1, remaining_2, reset_us_2, ...}.
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local count = #KEYS
local tokens = {}
local allowed = 1
local retry_after = 0
for i = 1, count do
  local capacity = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local available = tonumber(state[1])
  local updated = tonumber(state[2])
  if available == nil or updated == nil then
    available = capacity
    updated = now
  end
  local elapsed = math.max(0, now - updated)
  available = math.min(capacity, available + elapsed * capacity / period)
  tokens[i] = available
  if available < 1 then
    allowed = 0
    retry_after = math.max(retry_after, math.ceil((1 - available) * period / capacity))
  end
end
local result = { allowed, retry_after }
for i = 1, count do
  local capacity = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local available = tokens[i]
  if allowed == 1 then
    available = available - 1
  end
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.6f', available), 'ts', string.format('%.0f', now))
  -- An idle bucket is full again after one period, which is the same as no key: let it expire.
  redis.call('PEXPIRE', KEYS[i], math.ceil(period / 1000) + 1000)
  result[#result + 1] = math.floor(available)
  result[#result + 1] = math.ceil((capacity - available) * period / capacity)
end
return result
