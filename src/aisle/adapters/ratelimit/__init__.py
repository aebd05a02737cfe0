"""Rate limiter adapters: in-process token buckets (embedded) and a Lua token bucket in Redis (distributed)."""
