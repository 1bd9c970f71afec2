"""Annotated examples for the `feature-flags` category (see auth.py for the annotations)."""

import hashlib


# category: feature-flags
def is_enabled(flags, flag_name, user_id):
    flag = flags.get(flag_name)
    if flag is None or not flag.get("enabled"):
        return False
    if user_id in flag.get("allow", ()):
        return True
    bucket = int(hashlib.sha1(f"{flag_name}:{user_id}".encode()).hexdigest()[:8], 16) % 100
    return bucket < flag.get("rollout_percentage", 0)
