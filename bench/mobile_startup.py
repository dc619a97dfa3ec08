"""Benchmark of issue 3: cold start of the field app to its first usable screen, against a bare Kivy app.

    .venv/bin/python bench/mobile_startup.py [--rounds 5]

Each start is a fresh process (`python -m mobile`, headless: SDL_VIDEODRIVER=offscreen) timed from
just before the process is spawned to the first frame after the first screen is entered (the app
prints it when MINESAFE_EXIT_WHEN_READY=1). Cases: first run (no server address yet: the server
screen) and signed in (a saved session: the home screen, with the outbox worker and the live-events
connection started against a local backend). The baseline, in the same run, is a bare Kivy app that
shows one Label and reports its first frame the same way. Figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mobile_common import MINER, PASSWORD, ROOT, local_backend

BARE_APP = """
import os, time
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label
class Bare(App):
    def build(self):
        return Label(text="hello")
    def on_start(self):
        Clock.schedule_once(self.ready, 0)
    def ready(self, _dt):
        print("MINESAFE_READY screen=bare seconds=%.3f" % (time.time() - float(os.environ["MINESAFE_T0"])), flush=True)
        self.stop()
Bare().run()
"""


def start_once(args: list[str], env: dict[str, str]) -> float:
    env = {**env, "MINESAFE_T0": repr(time.time())}
    run = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    line = next((x for x in run.stdout.splitlines() if x.startswith("MINESAFE_READY")), None)
    if run.returncode != 0 or line is None:
        raise RuntimeError(f"start failed: {run.stderr[-2000:]}")
    return float(line.rsplit("seconds=", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        kivy_home = folder / "kivy"
        kivy_home.mkdir()
        base_env = {**os.environ, "KIVY_HOME": str(kivy_home), "KIVY_NO_ARGS": "1", "MINESAFE_EXIT_WHEN_READY": "1",
                    "SDL_VIDEODRIVER": os.environ.get("SDL_VIDEODRIVER", "offscreen"), "SDL_AUDIODRIVER": "dummy",
                    "MINESAFE_WINDOW": "540x960", "PYTHONPATH": str(ROOT)}
        python = sys.executable
        bare_app = folder / "bare_app.py"
        bare_app.write_text(BARE_APP)
        with local_backend(folder / "backend") as url:
            signed_in = folder / "signed-in"
            from mobile.api.client import ApiClient
            from mobile.api.service import MineSafeApi
            from mobile.api.session import SessionStore
            from mobile.settings import AppSettings
            from mobile.storage import LocalStore

            store = LocalStore(signed_in / "minesafe.db")
            settings = AppSettings(store)
            settings.server_url = url
            client = ApiClient(server_url=lambda: settings.server_url, sessions=SessionStore(store))
            MineSafeApi(client).login(username=MINER, password=PASSWORD)
            client.close()
            store.close()

            start_once([python, str(bare_app)], base_env)   # warm the OS file cache once for both
            results: dict[str, list[float]] = {"bare": [], "first": [], "signed": []}
            for round_no in range(args.rounds):
                results["bare"].append(start_once([python, str(bare_app)], base_env))
                results["first"].append(start_once([python, "-m", "mobile"], {
                    **base_env, "MINESAFE_MOBILE_DATA": str(folder / f"first-{round_no}")}))
                results["signed"].append(start_once([python, "-m", "mobile"], {
                    **base_env, "MINESAFE_MOBILE_DATA": str(signed_in)}))
                print(f"round {round_no + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in results.items()),
                      flush=True)
    bare = statistics.median(results["bare"])
    print(f"\ncold start to the first usable screen, median of {args.rounds} (headless, llvmpipe)")
    print(f"  bare Kivy app (one Label)          {bare:6.2f} s")
    for key, label in (("first", "minesafe first run (server screen)"), ("signed", "minesafe signed in (home screen)")):
        value = statistics.median(results[key])
        print(f"  {label:34s} {value:6.2f} s  (+{value - bare:.2f} s over bare)")


if __name__ == "__main__":
    main()
