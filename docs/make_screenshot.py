"""Regenerate the README's screenshots of the HTML report of ``fixtures/acme-monorepo``.

    python docs/make_screenshot.py

Writes ``docs/report.png`` (summary, ranked opportunities, heatmap, adoption)
and ``docs/report-evidence.png`` (the top opportunity opened: its copies side
by side). Needs Debian's ``chromium`` and ``chromium-driver`` and the test
extras (selenium); nothing is downloaded. Churn is left out so that the
picture does not change with every commit of this repository.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import Select, WebDriverWait

from dupfinder import ScanConfig
from dupfinder.model import RepoRef, ReportOptions, TeamOptions
from dupfinder.pipeline import analyse_codebase
from dupfinder.reporters import html

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
ACME = REPO / "fixtures" / "acme-monorepo"
WIDTH = 1280


def browser(profile: str) -> webdriver.Chrome:
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        sys.exit("make_screenshot: install Debian's chromium and chromium-driver first")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={WIDTH},1400",
        f"--user-data-dir={profile}",
    ):  # fmt: skip
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=opts)


def shoot(d: webdriver.Chrome, height: int, out: Path) -> None:
    d.set_window_size(WIDTH, height)
    time.sleep(0.3)
    d.save_screenshot(str(out))
    print(f"wrote {out.relative_to(REPO)}")


def main() -> None:
    result, _ = analyse_codebase([str(ACME)], ScanConfig(jobs=1), teams=TeamOptions(churn=False))
    options = ReportOptions(
        link_template="https://git.example/{repo}/blob/{rev}/{path}#L{line}",
        repos=(RepoRef("", "acme-monorepo", "main"),),
        title="Acme: platform opportunities",
    )
    with tempfile.TemporaryDirectory(prefix="dupfinder-shot-") as tmp:
        page = Path(tmp, "acme.html")
        with page.open("w", encoding="utf-8") as fh:
            html.write(result, fh, options)
        d = browser(str(Path(tmp, "profile")))
        try:
            d.get(page.as_uri())
            WebDriverWait(d, 20).until(lambda x: x.find_element("css selector", "body").get_attribute("data-ready"))
            shoot(d, 1560, DOCS / "report.png")
            d.find_element("css selector", "#opportunities tr.opp").click()
            cluster = d.find_element("css selector", "details.cluster")
            cluster.find_element("css selector", "summary").click()
            # compare with the edited copy (the one with the most differences)
            options_ = Select(cluster.find_element("css selector", "select.compare-with"))
            options_.select_by_index(len(options_.options) - 1)
            d.execute_script("document.getElementById('opportunities').scrollIntoView()")
            shoot(d, 1500, DOCS / "report-evidence.png")
        finally:
            d.quit()


if __name__ == "__main__":
    main()
