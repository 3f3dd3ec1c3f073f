"""Drive a real headless Chromium over the DevTools protocol (--remote-debugging-pipe, stdlib
only) for pages that hold a live connection (server-sent events), where --dump-dom fires too
early and --virtual-time-budget never ends.

Usage: browser_check.py CHROMIUM URL --profile DIR [--width W --height H]
                        [--sample SECONDS:EXPRESSION ...] [--screenshot PATH]
Opens URL, evaluates each EXPRESSION (JavaScript) SECONDS after the page was opened, then takes
the screenshot. Prints one JSON object: {"samples": [[seconds, value], ...], "errors": [console
errors and exceptions]}. Exits 1 with a message on stderr when Chromium fails.
"""
import argparse
import base64
import json
import os
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

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("chromium")
    parser.add_argument("url")
    parser.add_argument("--profile", required=True)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--sample", action="append", default=[])
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
        opened = time.monotonic()
        browser.send("Page.navigate", {"url": args.url}, session=session)
        samples = []
        for spec in sorted(args.sample, key=lambda s: float(s.split(":", 1)[0])):
            at, expression = spec.split(":", 1)
            delay = opened + float(at) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            samples.append([float(at), result.get("result", {}).get("value")])
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
        print(json.dumps({"samples": samples, "errors": errors}))
    except Exception as error:
        print(f"browser_check: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
