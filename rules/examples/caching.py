"""Annotated examples for the `caching` category (see auth.py for the annotations)."""

import functools
import json
import time

import redis

_client = redis.Redis()


# category: caching
def cached(ttl_seconds=60):
    def decorator(fn):
        store = {}

        @functools.wraps(fn)
        def wrapper(*args):
            hit = store.get(args)
            if hit is not None and hit[1] > time.monotonic():
                return hit[0]
            value = fn(*args)
            store[args] = (value, time.monotonic() + ttl_seconds)
            return value

        return wrapper

    return decorator


# category: caching
def get_or_compute(key, compute, ttl=300):
    raw = _client.get(key)
    if raw is not None:
        return json.loads(raw)
    value = compute()
    _client.setex(key, ttl, json.dumps(value))
    return value
