"""Annotated examples for the `serialization` category (see auth.py for the annotations)."""

import csv
import dataclasses
import io
import json
from datetime import date, datetime


# category: serialization
def rows_to_csv(rows, columns):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# category: serialization
def to_json(record):
    def default(value):
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if dataclasses.is_dataclass(value):
            return dataclasses.asdict(value)
        raise TypeError(type(value).__name__)

    return json.dumps(record, default=default, sort_keys=True)
