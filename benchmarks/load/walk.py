"""The browser side of ``benchmarks/load/driver.py --browser``: headless Chromium sessions walking through several labs.

Each session (its own browser context, so its own Streamlit session) walks ``walks`` times through: open the
Convolution lab and change the stride; open Inside a trained CNN (MobileNetV2 on a photo, top-5) and switch to its
heatmaps; open Learning a filter, press Train and Stop two seconds later; open Neural style transfer (128 px, 2000
steps), press Start and Stop two seconds later; open Pooling. An interaction's latency runs from the click (or the
navigation) until the page is drawn and Streamlit's "running" indicator is gone (the two seconds before each Stop
are not counted). ``benchmarks/load/driver.py`` walks the same steps over the protocol (``STEPS``) and prints both.
"""

import asyncio
import time

from harness import browser as chromium

__all__ = ["STEPS", "STYLE_LINK", "browser_round"]

IDLE = '[data-testid="stStatusWidget"]'  # shown while a script run is in progress
STYLE_LINK = "size=128&steps=2000"
STEPS = ("open Convolution", "change the stride", "open Inside a trained CNN", "show heatmaps",
         "train and stop a filter", "start and stop a style transfer", "open Pooling")


async def _idle(page, timeout_ms: int = 60_000) -> None:
    await page.wait_for_timeout(150)
    await page.locator(IDLE).wait_for(state="hidden", timeout=timeout_ms)


async def _timed(latencies, errors, name, action):
    start = time.monotonic()
    try:
        paused = await action() or 0.0  # seconds the walk itself waited on purpose, not the server
        latencies.append((name, time.monotonic() - start - paused))
    except Exception as exc:  # a timeout or a missing element: counted, the walk goes on
        errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")


async def _session(browser, url: str, walks: int, latencies, errors):
    context = await browser.new_context(viewport={"width": 1280, "height": 1400})
    page = await context.new_page()
    page.set_default_timeout(60_000)

    async def conv_open():
        await page.goto(f"{url}/convolution")
        await page.get_by_text("Step (of 16)").wait_for()
        await _idle(page)

    async def conv_stride():
        stride = page.get_by_label("Stride s")
        await stride.fill("2")
        await stride.press("Enter")
        await page.get_by_text("Step (of 4)").wait_for()
        await _idle(page)

    async def inside_open():
        await page.goto(f"{url}/inside_cnn")
        await page.get_by_text("Top-5:").first.wait_for()
        await _idle(page)

    async def inside_heatmaps():
        await page.get_by_text("Heatmaps", exact=True).first.click()
        await _idle(page, 120_000)

    async def run_then_stop(path: str, start: str) -> float:
        """Open a lab with a long job, start it, stop it 2 s later with the lab's own Stop (not the Stop of
        Streamlit's running indicator in the header, which stops the script run); returns the 2 s waited on
        purpose."""
        await page.goto(f"{url}{path}")
        main = page.get_by_test_id("stMainBlockContainer")
        await main.get_by_role("button", name=start, exact=True).wait_for()
        await _idle(page)
        await main.get_by_role("button", name=start, exact=True).click()
        await page.wait_for_timeout(2000)
        await main.get_by_role("button", name="Stop", exact=True).click()
        await _idle(page)
        return 2.0

    async def learn_train_stop():
        return await run_then_stop("/learn_filter", "Train")

    async def style_start_stop():
        return await run_then_stop(f"/style_transfer?{STYLE_LINK}", "Start")

    async def pool_open():
        await page.goto(f"{url}/pooling")
        await page.get_by_role("heading", name="Pooling").first.wait_for()
        await _idle(page)

    actions = (conv_open, conv_stride, inside_open, inside_heatmaps, learn_train_stop, style_start_stop, pool_open)
    try:
        for _ in range(walks):
            for name, action in zip(STEPS, actions, strict=True):
                await _timed(latencies, errors, name, action)
                if await page.get_by_text("Traceback").count():
                    errors.append(f"{name}: a traceback in the page")
    finally:
        await context.close()


async def browser_round(url: str, sessions: int, walks: int) -> tuple[list[tuple[str, float]], list[str]]:
    """``sessions`` Chromium sessions, each walking ``walks`` times; returns ([(step, seconds)], [error])."""
    from playwright.async_api import async_playwright

    latencies, errors = [], []
    async with async_playwright() as p:
        browser = await chromium.launch(p)
        try:
            await asyncio.gather(*(_session(browser, url, walks, latencies, errors) for _ in range(sessions)))
        finally:
            await browser.close()
    return latencies, errors
