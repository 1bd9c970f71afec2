"""Annotated examples for the `http-retry` category (see auth.py for the annotations)."""

import random
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRYABLE = {429, 502, 503, 504}


# category: http-retry
def get_with_retry(url, max_attempts=5, base_delay=0.5, timeout=10):
    for attempt in range(1, max_attempts + 1):
        try:
            response = requests.get(url, timeout=timeout)
            if response.status_code not in RETRYABLE:
                return response
        except requests.ConnectionError:
            if attempt == max_attempts:
                raise
        time.sleep(base_delay * 2 ** (attempt - 1) + random.uniform(0, base_delay))
    return response


# category: http-retry
def make_session(total=3, backoff_factor=0.3):
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=Retry(total=total, backoff_factor=backoff_factor, status_forcelist=RETRYABLE))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# category: none
def clamp(value, low, high):
    return max(low, min(high, value))
