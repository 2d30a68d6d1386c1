"""The HTML report in a real browser: it loads, every image decodes, nothing overflows the page.

Needs a headless Chromium (``.ci/run`` installs Debian's ``chromium`` when it is missing);
skipped with that reason where none can be found.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import matplotlib.image
import numpy as np
import pytest

from forecastrnn import backtest
from forecastrnn.datasets import load
from forecastrnn.models import Drift, SeasonalNaive
from forecastrnn.report import BacktestReport, write_report

BROWSER = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None
)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no headless Chromium here (.ci/run installs Debian's chromium; apt-get install chromium)"
)
CHECK = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images).map((i) => [i.complete, i.naturalWidth, i.naturalHeight]);
  const overflow = document.documentElement.scrollWidth > window.innerWidth + 1;
  document.body.setAttribute("data-check", JSON.stringify({images, overflow}));
});
</script>"""


def _browser(*args: str) -> str:
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600"]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    panel = load("uk_lung_deaths")
    models = [SeasonalNaive(), Drift()]
    cv = backtest(panel, models, h=6, n_windows=2, level=(80, 95))
    path = tmp_path_factory.mktemp("report") / "report.html"
    report = BacktestReport.build(
        cv,
        panel,
        models,
        season_length=12,
        command="forecastrnn backtest uk_lung_deaths -m snaive -m drift -H 6 --windows 2 --level 80 --level 95",
        data_name="uk_lung_deaths",
        settings={"horizon": 6, "windows": 2},
        level=(80, 95),
    )
    write_report(report, path)
    return path


def test_the_report_loads_with_every_image_decoded_and_no_overflow(report_file, tmp_path):
    page = report_file.read_text(encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    dom = _browser("--virtual-time-budget=10000", "--dump-dom", checked.as_uri())
    found = re.search(r'data-check="([^"]*)"', dom)
    assert found, "the page's load handler did not run"
    result = json.loads(html.unescape(found.group(1)))
    assert len(result["images"]) == page.count("<img") >= 2
    assert all(complete and width > 0 and height > 0 for complete, width, height in result["images"])
    assert not result["overflow"]


def test_the_report_renders_to_a_screenshot_that_is_not_blank(report_file, tmp_path):
    shot = tmp_path / "shot.png"
    _browser(f"--screenshot={shot}", report_file.as_uri())
    pixels = matplotlib.image.imread(shot)[..., :3]
    not_white = (pixels < 0.95).any(axis=-1)
    assert 0.02 < not_white.mean() < 0.9  # text, tables and plots on a white page
    assert np.unique(pixels.reshape(-1, 3), axis=0).shape[0] > 50  # more than a few flat colours
