"""Annotated examples for the `logging-setup` category (see auth.py for the annotations)."""

import json
import logging
import sys


class JsonFormatter(logging.Formatter):
    # category: logging-setup
    def format(self, record):
        return json.dumps({"level": record.levelname, "logger": record.name, "message": record.getMessage()})


# category: logging-setup
def setup_logging(level="INFO", service="app"):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers.clear()
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    return logging.getLogger(service)
