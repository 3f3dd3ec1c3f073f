"""Drive a real headless Chromium over the DevTools protocol (--remote-debugging-pipe, stdlib
only) for pages that hold a live connection (server-sent events), where --dump-dom fires too
early and --virtual-time-budget never ends.

Usage: browser_check.py CHROMIUM URL --profile DIR [--width W --height H]
                        [--sample SECONDS:EXPRESSION ...] [--keys SECONDS:KEYS ...]
                        [--type SECONDS:SELECTOR=TEXT ...] [--download-dir DIR] [--screenshot PATH]
Opens URL, evaluates each EXPRESSION (JavaScript) SECONDS after the page was opened, then takes
the screenshot. Prints one JSON object: {"samples": [[seconds, value], ...], "errors": [console
errors and exceptions]}, and with --download-dir also "downloads": [{"file", "state", "path"}].
Exits 1 with a message on stderr when Chromium fails.

--keys presses real keys (Input.dispatchKeyEvent, keyDown then keyUp) at SECONDS: KEYS is a
space-separated list of key names, single characters (f, 1, e, ?) or ArrowRight, ArrowLeft,
ArrowDown, ArrowUp, Enter, Escape, Tab, Backspace, Home, End, PageUp, PageDown, Space.
--type focuses the first element matching SELECTOR at SECONDS, selects its text and types TEXT
over it (Input.insertText). Samples, keys and typing run in time order; at equal times, in the
order given. --download-dir lets downloads land in DIR (Browser.setDownloadBehavior) and, after
the last step, waits up to 10 s for the downloads in progress to finish.
"""
import argparse
import base64
import json
import os
import select
import subprocess
import sys
import time


class Browser:
    def __init__(self, chromium, profile, width, height):
        to_browser_r, self.to_browser_w = os.pipe()
        self.from_browser_r, from_browser_w = os.pipe()

        def wire():
            # Via fresh copies: dup2 of an fd onto itself would leave it close-on-exec.
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            # The pipes are close-on-exec; only their copies made by wire() as fds 3 and 4 reach Chromium.
            close_fds=False, preexec_fn=wire, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def pump(self, seconds):
        """Collects the events that arrive within SECONDS (nothing is awaited)."""
        deadline = time.monotonic() + seconds
        while True:
            while b"\0" in self.buffer:
                message, self.buffer = self.buffer.split(b"\0", 1)
                self.events.append(json.loads(message))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            ready, _, _ = select.select([self.from_browser_r], [], [], remaining)
            if ready:
                chunk = os.read(self.from_browser_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# Named keys: (key, code, windowsVirtualKeyCode, text).
NAMED_KEYS = {
    "ArrowRight": ("ArrowRight", "ArrowRight", 39, ""), "ArrowLeft": ("ArrowLeft", "ArrowLeft", 37, ""),
    "ArrowDown": ("ArrowDown", "ArrowDown", 40, ""), "ArrowUp": ("ArrowUp", "ArrowUp", 38, ""),
    "Enter": ("Enter", "Enter", 13, "\r"), "Escape": ("Escape", "Escape", 27, ""), "Tab": ("Tab", "Tab", 9, ""),
    "Backspace": ("Backspace", "Backspace", 8, ""), "Delete": ("Delete", "Delete", 46, ""),
    "Home": ("Home", "Home", 36, ""), "End": ("End", "End", 35, ""),
    "PageUp": ("PageUp", "PageUp", 33, ""), "PageDown": ("PageDown", "PageDown", 34, ""),
    "Space": (" ", "Space", 32, " "),
}
# US layout punctuation: character -> (code, windowsVirtualKeyCode, shifted).
PUNCTUATION = {
    "-": ("Minus", 189, False), "_": ("Minus", 189, True), "=": ("Equal", 187, False), "+": ("Equal", 187, True),
    "[": ("BracketLeft", 219, False), "{": ("BracketLeft", 219, True), "]": ("BracketRight", 221, False),
    "}": ("BracketRight", 221, True), "\\": ("Backslash", 220, False), "|": ("Backslash", 220, True),
    ";": ("Semicolon", 186, False), ":": ("Semicolon", 186, True), "'": ("Quote", 222, False), '"': ("Quote", 222, True),
    ",": ("Comma", 188, False), "<": ("Comma", 188, True), ".": ("Period", 190, False), ">": ("Period", 190, True),
    "/": ("Slash", 191, False), "?": ("Slash", 191, True), "`": ("Backquote", 192, False), "~": ("Backquote", 192, True),
    "!": ("Digit1", 49, True), "@": ("Digit2", 50, True), "#": ("Digit3", 51, True), "$": ("Digit4", 52, True),
    "%": ("Digit5", 53, True), "^": ("Digit6", 54, True), "&": ("Digit7", 55, True), "*": ("Digit8", 56, True),
    "(": ("Digit9", 57, True), ")": ("Digit0", 48, True),
}
SHIFT = 8


def key_event(name):
    """The Input.dispatchKeyEvent fields (without type) for a key name."""
    if name in NAMED_KEYS:
        key, code, vk, text = NAMED_KEYS[name]
        modifiers = 0
    elif len(name) == 1:
        key, text, modifiers = name, name, 0
        if name.isascii() and name.isalpha():
            code, vk = "Key" + name.upper(), ord(name.upper())
            modifiers = SHIFT if name.isupper() else 0
        elif name.isdigit():
            code, vk = "Digit" + name, ord(name)
        elif name in PUNCTUATION:
            code, vk, shifted = PUNCTUATION[name]
            modifiers = SHIFT if shifted else 0
        else:
            code, vk = "", 0
    else:
        raise ValueError(f"unknown key name {name!r}")
    fields = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk, "modifiers": modifiers}
    if text:
        fields["text"] = text
        fields["unmodifiedText"] = text
    return fields


def press(browser, session, name):
    fields = key_event(name)
    browser.send("Input.dispatchKeyEvent", dict(fields, type="keyDown" if "text" in fields else "rawKeyDown"), session=session)
    up = {k: v for k, v in fields.items() if k not in ("text", "unmodifiedText")}
    browser.send("Input.dispatchKeyEvent", dict(up, type="keyUp"), session=session)


def type_text(browser, session, spec):
    depth, split = 0, -1  # at the first "=" outside [...], so "input[name=x]=TEXT" works
    for index, char in enumerate(spec):
        depth += (char == "[") - (char == "]")
        if char == "=" and depth == 0:
            split = index
            break
    if split < 0:
        raise ValueError(f"--type wants SECONDS:SELECTOR=TEXT, not {spec!r}")
    selector, text = spec[:split], spec[split + 1:]
    found = browser.send("Runtime.evaluate", {"expression": (
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false; e.focus();"
        " if (typeof e.select === 'function') e.select(); return true; })()"), "returnByValue": True}, session=session)
    if not found.get("result", {}).get("value"):
        raise RuntimeError(f"--type: no element matches {selector!r}")
    browser.send("Input.insertText", {"text": text}, session=session)


def await_downloads(browser, seconds):
    """Waits until every download that began has completed or been cancelled (at most SECONDS)."""
    deadline = time.monotonic() + seconds
    browser.pump(0.5)  # a download started by the last step announces itself shortly after
    while True:
        begun, done = {}, {}
        for event in browser.events:
            if event.get("method") == "Browser.downloadWillBegin":
                begun[event["params"]["guid"]] = event["params"].get("suggestedFilename", "")
            elif event.get("method") == "Browser.downloadProgress" and event["params"].get("state") in ("completed", "canceled"):
                done[event["params"]["guid"]] = event["params"]
        if set(begun) <= set(done) or time.monotonic() >= deadline:
            return [{"file": name, "state": done.get(guid, {}).get("state", "inProgress"),
                     "path": done.get(guid, {}).get("filePath")} for guid, name in begun.items()]
        browser.pump(min(0.2, max(0.0, deadline - time.monotonic())))


def timed(kind):
    return lambda spec: (float(spec.split(":", 1)[0]), kind, spec.split(":", 1)[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("chromium")
    parser.add_argument("url")
    parser.add_argument("--profile", required=True)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--sample", dest="steps", action="append", default=[], type=timed("sample"))
    parser.add_argument("--keys", dest="steps", action="append", default=[], type=timed("keys"))
    parser.add_argument("--type", dest="steps", action="append", default=[], type=timed("type"))
    parser.add_argument("--download-dir")
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    browser = Browser(args.chromium, args.profile, args.width, args.height)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Runtime.enable", session=session)
        browser.send("Page.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": args.width, "height": args.height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        if args.download_dir:
            os.makedirs(args.download_dir, exist_ok=True)
            browser.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": os.path.abspath(args.download_dir),
                                                         "eventsEnabled": True})
        opened = time.monotonic()
        browser.send("Page.navigate", {"url": args.url}, session=session)
        samples = []
        for at, kind, spec in sorted(args.steps, key=lambda step: step[0]):
            delay = opened + at - time.monotonic()
            if delay > 0:
                browser.pump(delay)
            if kind == "sample":
                result = browser.send("Runtime.evaluate", {"expression": spec, "returnByValue": True}, session=session)
                samples.append([at, result.get("result", {}).get("value")])
            elif kind == "keys":
                for name in spec.split():
                    press(browser, session, name)
            else:
                type_text(browser, session, spec)
        downloads = await_downloads(browser, 10) if args.download_dir else None
        if args.screenshot:
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        errors = []
        for event in browser.events:
            if event.get("method") == "Runtime.exceptionThrown":
                errors.append(event["params"]["exceptionDetails"].get("text", "exception"))
            elif event.get("method") == "Runtime.consoleAPICalled" and event["params"].get("type") == "error":
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in event["params"].get("args", [])))
        report = {"samples": samples, "errors": errors}
        if downloads is not None:
            report["downloads"] = downloads
        print(json.dumps(report))
    except Exception as error:
        print(f"browser_check: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
