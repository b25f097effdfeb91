"""The page of `zerodl serve` in a real headless Chromium (Debian's chromium, driven by
Playwright): draw a 7 with the mouse, read the bars, see the prepared input, drop an image,
clear with the keyboard, and fit a phone's screen. Slow: it trains its network on real MNIST."""

import base64
import os
import shutil

import numpy as np
import pytest

from serve.helpers import png_bytes, serve_command, seven

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def browser_or_skip():
    """Playwright's sync API and the system's Chromium; on CI (CI=true) their absence fails."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = []
    if sync_playwright is None:
        missing.append("Playwright (pip install playwright)")
    if CHROMIUM is None:
        missing.append("Chromium (apt-get install chromium)")
    if missing:
        reason = f"the browser test needs {' and '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs them")
        pytest.skip(reason)
    return sync_playwright


def draw(page, strokes):
    """Mouse strokes on the drawing canvas, each a list of (x, y) in [0, 1] of its size."""
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=12)
        page.mouse.up()


def canvas_grey(page, selector):
    """The red channel of a canvas's pixels as an (H, W) uint8 array."""
    data = page.evaluate(
        """(selector) => {
            const c = document.querySelector(selector);
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            return {w: c.width, h: c.height, red: Array.from(d.filter((_, i) => i % 4 === 0))};
        }""",
        selector,
    )
    return np.array(data["red"], dtype=np.uint8).reshape(data["h"], data["w"])


DROP_FILE = """async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "seven.png", {type: "image/png"}));
    document.body.dispatchEvent(
        new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


@pytest.mark.slow
def test_draw_a_seven_see_it_read_and_clear_it_in_chromium(trained_checkpoint, tmp_path):
    sync_playwright = browser_or_skip()
    path, _, _ = trained_checkpoint
    with serve_command(path.parent) as (address, process), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.set_default_timeout(20_000)
        requested, problems = [], []
        page.on("request", lambda request: requested.append(request.url))
        page.on("pageerror", lambda err: problems.append(str(err)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(address + "/")
        page.wait_for_selector("#bars li:nth-child(10)")  # (the page's CSP forbids eval)
        assert "SimpleConvNet" in page.inner_text("#model")

        # one stroke of the mouse, a 7: the bar along the top, then down to the left
        with page.expect_response(lambda r: "/api/predict" in r.url) as answered:
            draw(page, [[(0.25, 0.22), (0.75, 0.22), (0.45, 0.82)]])
        answer = answered.value.json()
        page.wait_for_selector("#bars li.top")
        assert page.inner_text("#bars li.top .label") == "7"
        assert answer["prediction"] == 7
        assert page.inner_text("#status").startswith("The network reads 7 (")
        assert page.get_attribute("#status", "aria-live") == "polite"
        for k, row in enumerate(page.locator("#bars li").all()):  # each bar as long as its share
            track = row.locator(".track").bounding_box()["width"]
            fill = row.locator(".fill").bounding_box()["width"]
            assert abs(fill / track - answer["probabilities"][k]) < 0.02
        # the preview is the prepared 28x28 input that came back: a centred digit
        shown = canvas_grey(page, "#preview")
        expected = np.round(np.array(answer["input"]).reshape(28, 28) * 255)
        assert np.abs(shown.astype(int) - expected).max() <= 1
        rows, cols = np.nonzero(shown > 128)
        assert len(rows) > 30 and abs(rows.mean() - 13.5) < 3 and abs(cols.mean() - 13.5) < 3
        # the first convolution's 8 feature maps
        assert page.is_visible("#maps-panel")
        assert page.locator("#maps canvas").count() == 8
        page.screenshot(path=tmp_path / "serve.png", full_page=True)

        # an image file dropped on the page is read too
        data = base64.b64encode(png_bytes(seven(size=(400, 300), width=30))).decode()
        with page.expect_response(lambda r: "/api/predict" in r.url) as answered:
            page.evaluate(DROP_FILE, data)
        assert answered.value.ok and answered.value.json()["prediction"] == 7

        # Clear, reached with the keyboard alone
        for _ in range(10):
            if page.evaluate("document.activeElement.id") == "clear":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "clear"
        page.keyboard.press("Enter")
        assert page.inner_text("#status") == "Cleared. Draw a digit."
        assert page.locator("#bars li.top").count() == 0
        assert canvas_grey(page, "#preview").max() == 0
        assert canvas_grey(page, "#pad").min() == 255  # all white again
        assert page.is_hidden("#maps-panel")
        page.screenshot(path=tmp_path / "cleared.png", full_page=True)
        browser.close()

    assert problems == []
    assert requested and all(url.startswith(address + "/") for url in requested)
    with open(tmp_path / "serve.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert process.returncode == 0


@pytest.mark.slow
def test_the_page_fits_a_phone_screen(trained_checkpoint):
    sync_playwright = browser_or_skip()
    path, _, _ = trained_checkpoint
    with serve_command(path) as (address, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.goto(address + "/")
        page.wait_for_selector("#bars li:nth-child(10)")  # (the page's CSP forbids eval)
        width = page.evaluate("document.documentElement.scrollWidth")
        pad = page.locator("#pad").bounding_box()
        clear = page.locator("#clear").bounding_box()
        touch_action = page.evaluate("getComputedStyle(document.querySelector('#pad')).touchAction")
        browser.close()
    assert width <= 360  # nothing sticks out sideways
    assert 200 <= pad["width"] <= 360 and pad["x"] >= 0
    assert clear["height"] >= 44  # big enough for a finger
    assert touch_action == "none"  # a finger draws instead of scrolling


DROP_ANY = """async ([b64, name, type]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, {type}));
    document.body.dispatchEvent(
        new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


@pytest.mark.slow
def test_a_phone_photo_is_scaled_down_and_a_refusal_clears_the_old_answer(trained_checkpoint):
    """A 2000x1500 JPEG of several hundred KiB (the server reads 64) is scaled down by the page
    before it is sent; then a blank picture, which the server refuses, leaves no answer, input
    or feature maps of the photo on the screen."""
    import io

    from PIL import Image

    sync_playwright = browser_or_skip()
    path, _, _ = trained_checkpoint
    rng = np.random.default_rng(0)
    photo = np.asarray(seven(size=(2000, 1500), width=150).convert("RGB"), dtype=np.float64)
    photo = np.clip(photo * 0.9 + 15 + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=95)
    assert len(buffer.getvalue()) > 200 * 1024
    blank = png_bytes(Image.new("L", (300, 300), 255))
    with serve_command(path.parent) as (address, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.set_default_timeout(20_000)
        page.goto(address + "/")
        page.wait_for_selector("#bars li:nth-child(10)")
        with page.expect_response(lambda r: "/api/predict" in r.url) as answered:
            page.evaluate(DROP_ANY, [base64.b64encode(buffer.getvalue()).decode(), "photo.jpg",
                                     "image/jpeg"])  # fmt: skip
        assert answered.value.ok  # sent, and within the server's 64 KiB (413 beyond)
        assert answered.value.json()["prediction"] == 7
        page.wait_for_selector("#bars li.top")
        assert canvas_grey(page, "#preview").max() > 0 and page.is_visible("#maps-panel")

        with page.expect_response(lambda r: "/api/predict" in r.url) as answered:
            page.evaluate(DROP_ANY, [base64.b64encode(blank).decode(), "blank.png", "image/png"])
        assert answered.value.status == 400
        page.wait_for_selector("#status.error")
        assert "no digit found" in page.inner_text("#status")
        assert page.locator("#bars li.top").count() == 0
        assert canvas_grey(page, "#preview").max() == 0
        assert page.is_hidden("#maps-panel")
        browser.close()


@pytest.mark.slow
def test_the_page_in_japanese_reads_a_seven_and_switches_to_english(trained_checkpoint, tmp_path):
    """A browser that prefers Japanese (locale ja-JP: navigator.languages and Accept-Language)
    gets the page in Japanese, every text and aria-label; the switch turns it to English and
    back; the JSON API answers the same as in English."""
    sync_playwright = browser_or_skip()
    path, _, _ = trained_checkpoint
    with serve_command(path.parent) as (address, process), sync_playwright() as playwright:
        # Chromium's own words (the file chooser's button) in Japanese too, where chromium-l10n
        # is installed: on Linux, Chromium takes them from LANGUAGE
        japanese = {**os.environ, "LANGUAGE": "ja", "LANG": "ja_JP.UTF-8"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, env=japanese)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        problems = []
        page.on("pageerror", lambda err: problems.append(str(err)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(address + "/")
        page.wait_for_selector("#bars li:nth-child(10)")
        assert page.evaluate("navigator.languages[0]") == "ja-JP"
        strings = page.evaluate("STRINGS")
        assert set(strings["ja"]) == set(strings["en"])  # every text in both languages

        def shows_japanese():
            assert page.get_attribute("html", "lang") == "ja"
            assert page.title() == strings["ja"]["page_title"]
            for element in page.locator("[data-i18n]:not(#model):not(#status)").all():
                key = element.get_attribute("data-i18n")
                assert element.text_content() == strings["ja"][key], key
            for element in page.locator("[data-i18n-aria-label]").all():
                key = element.get_attribute("data-i18n-aria-label")
                assert element.get_attribute("aria-label") == strings["ja"][key], key
            assert page.inner_text("#model").startswith("モデル: ")
            assert "SimpleConvNet" in page.inner_text("#model")
            switch = page.locator("#language")
            assert switch.inner_text() == "English" and switch.get_attribute("lang") == "en"
            text = page.inner_text("body")
            english = [
                value for key, value in strings["en"].items()
                if len(value) > 4 and value != strings["ja"][key] and key != "language_name"
            ]
            assert [value for value in english if value in text] == []

        shows_japanese()
        assert page.inner_text("#status") == strings["ja"]["start"]

        with page.expect_response(lambda r: "/api/predict" in r.url) as answered:
            draw(page, [[(0.25, 0.22), (0.75, 0.22), (0.45, 0.82)]])
        answer = answered.value.json()
        page.wait_for_selector("#bars li.top")
        assert answer["prediction"] == 7
        assert set(answer) == {"prediction", "probabilities", "input", "feature_maps"}
        assert page.inner_text("#bars li.top .label") == "7"
        assert page.inner_text("#status").startswith("ネットワークの答えは 7（")
        assert page.locator("#maps figcaption").first.inner_text() == "フィルター 1"
        shows_japanese()
        page.screenshot(path=tmp_path / "serve-ja.png", full_page=True)

        # the switch: English, every text, the answer said again; and back
        page.click("#language")
        assert page.get_attribute("html", "lang") == "en"
        assert page.inner_text("#title") == "Draw a digit"
        assert page.inner_text("#status").startswith("The network reads 7 (")
        assert page.inner_text("#model").startswith("Model: ")
        assert page.get_attribute("#pad", "aria-label") == strings["en"]["pad_label"]
        assert page.locator("#maps figcaption").first.inner_text() == "filter 1"
        assert page.inner_text("#language") == "日本語"
        page.reload()  # the choice is kept in this browser
        page.wait_for_selector("#bars li:nth-child(10)")
        assert page.get_attribute("html", "lang") == "en"
        page.click("#language")
        shows_japanese()

        # the JSON API has no language: the same answer with or without Accept-Language
        model_ja = page.request.get(address + "/api/model", headers={"Accept-Language": "ja"})
        model_en = page.request.get(address + "/api/model", headers={"Accept-Language": "en"})
        assert model_ja.json() == model_en.json()
        browser.close()

    assert problems == []
    with open(tmp_path / "serve-ja.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert process.returncode == 0
