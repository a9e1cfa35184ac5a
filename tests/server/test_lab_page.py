"""The lab overview page in a real browser: Debian's chromium, headless, driven by Playwright.

The page lists the instruments, refreshes itself when a record changes (the test waits on the
page's text with a deadline), keeps a hostile instrument name as text, shows a cut-off record as
an unreadable one, sorts, and opens an instrument's details. It also takes the README's
screenshot (`docs/screenshots/lab-overview.png`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui.engine.lab.record import publish_if_due

playwright_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright (test extra)")

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FLAGS += ["--disable-component-update"]
WAIT_MS = 15_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file() or shutil.which("chromium") is None:
        pytest.skip("no /usr/bin/chromium: scripts/setup.sh --test installs it")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.dialogs = []  # any alert() would land here (and be dismissed)
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def rows(page: Any) -> Any:
    return page.locator("tbody#rows tr.instrument")


def test_lists_refreshes_escapes_and_survives_a_cut_off_record(
    page: Any, instrument: Callable[..., Any], serve: Callable[..., str], share: Path
) -> None:
    expect = playwright_api.expect
    cycler = instrument("Cycler 1")
    assert cycler.sync().ok
    assert instrument(HOSTILE).sync().ok
    assert instrument(HOSTILE_IMG).sync().ok
    page.goto(serve(refresh_seconds=1))

    expect(rows(page)).to_have_count(3, timeout=WAIT_MS)
    names = rows(page).locator("th button.open")
    expect(names).to_have_text(sorted([HOSTILE_IMG, HOSTILE, "Cycler 1"]), timeout=WAIT_MS)
    assert page.locator("script:not([src])").count() == 0  # the name stayed text
    assert page.locator("tbody img").count() == 0
    expect(page.locator("#summary")).to_have_text(
        "All safe: 3 instruments (3 safe).", timeout=WAIT_MS
    )

    # The cycler copies a new file: its record changes, and the page follows by itself.
    cycler_row = rows(page).filter(has_text="Cycler 1")
    expect(cycler_row.locator("td.reason")).to_contain_text("All 1 file copied")
    (Path(cycler.settings.source) / "new run.res").write_text("more")
    past = time.time() - 3600
    os.utime(Path(cycler.settings.source) / "new run.res", (past, past))
    assert [r.rel_path for r in cycler.sync().copied] == ["new run.res"]
    expect(cycler_row.locator("td.reason")).to_contain_text("All 2 files copied", timeout=WAIT_MS)

    # A record cut off in the middle of being copied by hand: one unreadable row, no crash.
    record = share / ".oeleo" / "status" / "Cycler 1.json"
    record.write_bytes(record.read_bytes()[:150])
    unreadable = rows(page).filter(has_text="unreadable record")
    expect(unreadable).to_have_count(1, timeout=WAIT_MS)
    expect(unreadable.locator("td.reason")).to_contain_text("not valid JSON")
    expect(page.locator("#summary")).to_contain_text("Not all safe", timeout=WAIT_MS)
    expect(rows(page)).to_have_count(3)
    assert page.dialogs == [] and page.errors == []


def test_sorts_and_opens_details(
    page: Any, instrument: Callable[..., Any], serve: Callable[..., str]
) -> None:
    expect = playwright_api.expect
    assert instrument("B safe").sync().ok
    twins = instrument("A behind", OA_INCLUDE_SUBDIRS="yes")
    (Path(twins.settings.source) / "x").mkdir()
    (Path(twins.settings.source) / "y").mkdir()
    for folder in ("x", "y"):
        (Path(twins.settings.source) / folder / "twin.res").write_text(folder)
        past = time.time() - 3600
        os.utime(Path(twins.settings.source) / folder / "twin.res", (past, past))
    assert twins.sync().failed
    page.goto(serve(refresh_seconds=30))
    names = rows(page).locator("th button.open")
    expect(names).to_have_text(["A behind", "B safe"], timeout=WAIT_MS)  # worst first

    page.get_by_role("button", name="Instrument").click()
    expect(names).to_have_text(["A behind", "B safe"])
    expect(page.locator('th[data-sort="name"]')).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name="Instrument").click()
    expect(names).to_have_text(["B safe", "A behind"])
    expect(page.locator('th[data-sort="name"]')).to_have_attribute("aria-sort", "descending")

    page.get_by_role("button", name="A behind").click()
    details = page.locator("tr.details")
    expect(details).to_have_count(1)
    expect(details).to_contain_text("could not be copied")
    expect(details.locator("h2", has_text="Failing (1)")).to_have_count(1)
    expect(details).to_contain_text("Not copied: 1 (1 failing).")
    expect(details).to_contain_text("twin.res")
    expect(details).to_contain_text("Source folder")
    expect(page.get_by_role("button", name="A behind")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="A behind").click()
    expect(details).to_have_count(0)
    assert page.errors == []


def went_quiet(engine: Any, *, hours: float) -> None:
    """Move the instrument's run history back `hours` and write its record as it was then."""
    back = timedelta(hours=hours)
    with contextlib.closing(sqlite3.connect(engine.settings.db_path)) as con, con:
        for run_id, started, finished in con.execute(
            "SELECT id, started_at, finished_at FROM run_history"
        ).fetchall():
            con.execute(
                "UPDATE run_history SET started_at = ?, finished_at = ? WHERE id = ?",
                (
                    str(datetime.fromisoformat(started) - back),
                    str(datetime.fromisoformat(finished) - back),
                    run_id,
                ),
            )
    then = time.time() - back.total_seconds()
    assert publish_if_due(
        engine.settings, engine.connector, engine.store, clock=lambda: then, force=True
    )


def test_readme_screenshot(
    page: Any, instrument: Callable[..., Any], serve: Callable[..., str], share: Path
) -> None:
    """A small lab, as a lab manager would see it, for the README."""
    expect = playwright_api.expect
    now = time.time()
    for name, files in (
        ("Cycler 01 (Arbin)", 412),
        ("Cycler 02 (Maccor)", 128),
        ("Potentiostat", 35),
    ):
        assert instrument(name, files=files).sync().ok
    xrd = instrument("XRD (Bruker D8)", OA_INCLUDE_SUBDIRS="yes", files=20)
    for folder in ("2026-05-03", "2026-05-04"):
        target = Path(xrd.settings.source) / folder / "scan_0017.res"
        target.parent.mkdir()
        target.write_text(folder)
        os.utime(target, (now - 3600, now - 3600))
    assert xrd.sync().failed
    sem = instrument("SEM", files=50)
    assert sem.sync().ok
    went_quiet(sem, hours=26)  # its PC was switched off yesterday
    lost = instrument("Glovebox scale", files=3)
    assert lost.sync().ok
    shutil.rmtree(lost.settings.source)  # the instrument's data folder vanished
    assert lost.sync().error
    page.goto(serve(refresh_seconds=30))
    expect(rows(page)).to_have_count(6, timeout=WAIT_MS)
    page.get_by_role("button", name="XRD (Bruker D8)").click()
    expect(page.locator("tr.details")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lab-overview.png"), full_page=True)
    assert (SCREENSHOTS / "lab-overview.png").stat().st_size > 10_000
