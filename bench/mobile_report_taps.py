"""Benchmark of issue 11 item 3: taps and seconds from the home screen to a report in the outbox.

    .venv/bin/python bench/mobile_report_taps.py [--rounds 3]

One headless run of the real app (Kivy, offscreen) against a local backend with the demo mine (its
hazard categories seeded), signed in as a miner; the outbox worker is stopped so that "in the outbox" is
the end point and the network plays no part. Both flows start on the home screen, report one photo from
the chooser into the miner's own area (preset) and end when the report is queued:

  typed     today's flow: Report → Add photo → tap the file → Choose → tap the description → type it
            (顶板掉渣 in pinyin: "dingbandiaozha" and a candidate, 15 keys) → Save and send
  category  Report → tap the category 顶板 → Add photo → tap the file → Choose → Save and send

Each tap is a button press dispatched to the widget (as a thumb would); each key is inserted into the
TextInput one at a time. "app s" is the wall time the app and the driver took (each step waits for the
screen to settle: a few frames); "with a gloved hand" adds a fixed human cost per action, 1.1 s a tap
(point and press, KLM's P+B with a gloved thumb) and 0.5 s a key on an on-screen keyboard with gloves —
a model, stated so that the figures can be redone with other constants.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TAP_S = 1.1
KEY_S = 0.5
TYPED_KEYS = "dingbandiaozha"   # pinyin of 顶板掉渣; one more key picks the candidate


def drive_main(plan_file: str) -> int:
    """In the child process: the app with the benchmark driver (one Kivy window per process)."""
    from kivy.uix.textinput import TextInput

    from mobile.outbox.store import ItemState
    from tests.mobile.ui_driver import Driver, Wait, drive

    class TapDriver(Driver):
        taps = 0
        keys = 0

        def tap(self, text: str, root: Any = None) -> None:
            self.taps += 1
            self.press(text, root)

        def queued(self) -> int:
            user = self.app.ctx.sessions.user
            return sum(1 for i in self.app.ctx.outbox.items(owner_id=user.id) if i.state is ItemState.QUEUED)

        def add_one_photo(self) -> Iterator[Wait]:
            self.taps += 1                                   # "Add photo"
            popup = self.screen.pick_photo()
            yield lambda: bool(popup.chooser.files)
            self.taps += 1                                   # tap the file
            popup.chooser.selection = [self.plan["photo"]]
            self.tap(self.t("picker.choose"), root=popup)
            yield lambda: len(self.screen.model.photos) == 1

        def flow(self, kind: str) -> Iterator[Wait]:
            self.taps = self.keys = 0
            before = self.queued()
            start = time.perf_counter()
            self.tap(self.t("report.menu"))
            yield lambda: self.on("report")() and bool(self.screen.model.area_name) and (
                kind == "typed" or bool(self.screen.model.categories))
            if kind == "category":
                self.tap("顶板")
                yield lambda: bool(self.screen.model.category_id)
            yield from self.add_one_photo()
            if kind == "typed":
                box: TextInput = self.screen.ids.description
                self.taps += 1                               # focus the description
                for char in TYPED_KEYS:
                    self.keys += 1
                    box.insert_text(char)
                self.keys += 1                               # pick the candidate 顶板掉渣
                box.text = "顶板掉渣"
                yield lambda: True
            self.tap(self.t("report.submit"))
            yield lambda: self.on("home")() and self.queued() == before + 1
            self.measured.append({"flow": kind, "taps": self.taps, "keys": self.keys,
                                  "app_s": round(time.perf_counter() - start, 3)})

        def run(self) -> Iterator[Wait]:
            self.measured: list[dict[str, Any]] = []
            self.steps.append("sign in")
            yield from self.first_sign_in(self.plan["person"])
            yield self.on("home")
            self.app.ctx.worker.stop()                       # the outbox keeps what is queued
            for _ in range(self.plan["rounds"]):
                for kind in ("typed", "category"):
                    self.steps.append(kind)
                    yield from self.flow(kind)
            self.result = {"ok": True, "measured": self.measured}

        def shot(self, name: str) -> str:              # no screenshots in the benchmark (but on failure)
            return super().shot(name) if name == "failure" else ""

    sys.argv = [sys.argv[0], plan_file]          # drive() reads the plan from argv[1]
    return drive(TapDriver)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive_main(args.drive)

    from mobile_common import MINER, PASSWORD, local_backend

    from backend.seed import demo_photo

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pictures = folder / "Pictures"
        pictures.mkdir()
        photo = pictures / "roof.jpg"
        photo.write_bytes(demo_photo("roof", 30))
        with local_backend(folder / "backend") as url:
            plan = {"server": url, "data": str(folder / "app"), "shots": str(folder / "shots"),
                    "photos": [str(photo)], "photo": str(photo), "rounds": args.rounds,
                    "person": {"username": MINER, "password": PASSWORD}}
            plan_file = folder / "plan.json"
            plan_file.write_text(json.dumps(plan))
            kivy_home = folder / "kivy"
            kivy_home.mkdir()
            env = {**os.environ, "KIVY_HOME": str(kivy_home), "KIVY_NO_ARGS": "1", "KIVY_LOG_LEVEL": "warning",
                   "SDL_VIDEODRIVER": os.environ.get("SDL_VIDEODRIVER", "offscreen"), "SDL_AUDIODRIVER": "dummy",
                   "MINESAFE_LANGUAGE": "zh", "PYTHONPATH": str(ROOT)}
            run = subprocess.run([sys.executable, __file__, "--drive", str(plan_file)], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=300, check=False)
    lines = run.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {}
    if run.returncode != 0 or not summary.get("ok"):
        print(summary.get("trace") or run.stderr[-3000:])
        return 1
    print(f"home → report in the outbox, one photo, {args.rounds} rounds in one headless run (medians)")
    print(f"{'flow':14} {'taps':>5} {'keys':>5} {'app s':>7} {'with a gloved hand s':>22}")
    figures = {}
    for kind in ("typed", "category"):
        rows = [m for m in summary["measured"] if m["flow"] == kind]
        taps, keys = rows[0]["taps"], rows[0]["keys"]
        app_s = statistics.median(m["app_s"] for m in rows)
        human = app_s + taps * TAP_S + keys * KEY_S
        figures[kind] = (taps + keys, human)
        label = "typed (today)" if kind == "typed" else "category"
        print(f"{label:14} {taps:>5} {keys:>5} {app_s:>7.2f} {human:>22.1f}")
    (typed_actions, typed_s), (cat_actions, cat_s) = figures["typed"], figures["category"]
    print(f"category flow: {cat_actions} actions vs {typed_actions} ({typed_actions / cat_actions:.1f}× fewer), "
          f"{cat_s:.1f} s vs {typed_s:.1f} s ({typed_s / cat_s:.1f}× faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
