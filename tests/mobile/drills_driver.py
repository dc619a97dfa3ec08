"""Drives the real app headless through "My drills": the miner's task and the scored result (zh, then en).

Run by test_drills_app.py in a subprocess: python -m tests.mobile.drills_driver <plan.json>
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive


class DrillsDriver(Driver):
    def run(self) -> Iterator[Wait]:
        app = self.app
        self.steps.append("the miner opens My drills: a running drill first, then the scored one (zh)")
        yield from self.first_sign_in(self.plan["people"]["miner"])
        yield self.on("home")
        self.shot("home_miner_zh")
        self.press(self.t("drills.menu"))
        yield lambda: self.on("drills")() and len(self.screen.model.cards) == 2
        cards = self.screen.model.cards
        if "进行中" not in cards[0]["title"] or "得分 67" not in cards[1]["title"]:
            raise StepFailed(f"unexpected cards: {cards}")
        if "× 隐患登记" not in cards[1]["result"] or "✓ 作业许可暂停" not in cards[1]["result"]:
            raise StepFailed(cards[1]["result"])
        self.shot("my_drills_zh")
        app.set_language("en")
        app.navigate("drills")
        yield lambda: self.on("drills")() and "score 67" in " ".join(c["title"] for c in self.screen.model.cards)
        self.shot("my_drills_en")
        self.result = {"ok": True, "steps": self.steps, "screenshots": self.taken}


def main() -> int:
    return drive(DrillsDriver)


if __name__ == "__main__":
    sys.exit(main())
