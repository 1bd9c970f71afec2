"""Annotated examples for the `pagination` category (see auth.py for the annotations)."""

import math


# category: pagination
def paginate(items, page=1, per_page=20):
    total_pages = max(1, math.ceil(len(items) / per_page))
    page = min(max(1, page), total_pages)
    offset = (page - 1) * per_page
    return {
        "items": items[offset : offset + per_page],
        "page": page,
        "total_pages": total_pages,
        "has_next": page < total_pages,
    }


# category: pagination
def fetch_all_pages(client, path):
    results, next_cursor = [], None
    while True:
        body = client.list(path, cursor=next_cursor, limit=100)
        results.extend(body["data"])
        next_cursor = body.get("next_cursor")
        if not body.get("has_more"):
            return results
