"""Annotated examples for the `config` category (see auth.py for the annotations)."""

import os

import yaml
from dotenv import load_dotenv

DEFAULTS = {"port": 8080, "debug": False, "database_url": "sqlite:///local.db"}


# category: config
def load_config(path="config.yaml"):
    load_dotenv()
    settings = dict(DEFAULTS)
    if os.path.exists(path):
        with open(path) as fh:
            settings.update(yaml.safe_load(fh) or {})
    settings["port"] = int(os.getenv("PORT", settings["port"]))
    settings["debug"] = os.environ.get("DEBUG", str(settings["debug"])).lower() == "true"
    return settings
