"""The screen registry: one folder a screen under mobile/screens/, one line in SCREENS.

A screen package `mobile/screens/<name>/` holds `model.py`, `controller.py`, `view.py` and
`view.kv`, and its `__init__.py` exports `SCREEN = ScreenSpec(...)`. Adding a screen is adding
the folder and its name to `mobile.screens.SCREENS`.
"""

from __future__ import annotations

import enum
import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.roles import Role
from mobile.api.models import User

logger = logging.getLogger(__name__)


class MenuGroup(enum.StrEnum):
    """The home menu's sections, by what a person came to do, in the order shown."""

    URGENT = "urgent"      # report a hazard, raise or answer an alarm: first, full width
    WORK = "work"          # my reports, my tasks, the hazard loop's steps, permits, checks
    MANAGE = "manage"      # the mine at a glance: KPIs, reports, risks, responsibility lists
    LEARN = "learn"        # training, exams, drills
    PHONE = "phone"        # this phone: what waits to be sent

    @property
    def position(self) -> int:
        return list(MenuGroup).index(self)


@dataclass(frozen=True)
class ScreenSpec:
    """How the app builds and offers one screen."""

    name: str
    view: type                       # a mobile.ui.base.BaseScreen subclass
    controller: type                 # a mobile.ui.base.BaseController subclass
    model: type                      # a mobile.ui.base.BaseModel subclass
    title: str                       # i18n key of the screen's title
    menu_title: str = ""             # i18n key of its home-menu button (defaults to title)
    menu: bool = False               # offered on the home screen
    menu_order: int = 100           # within its group
    menu_group: MenuGroup = MenuGroup.WORK
    roles: frozenset[Role] | None = None   # None: everyone signed in
    requires_login: bool = True
    icon: str = ""                   # a short glyph shown on the menu button
    kv_file: Path | None = field(default=None)

    def visible_to(self, user: User | None) -> bool:
        if not self.requires_login:
            return True
        if user is None:
            return False
        return self.roles is None or user.has_any(*self.roles)


def load_specs(names: Iterable[str], package: str = "mobile.screens") -> list[ScreenSpec]:
    """Import each screen package and return its SCREEN, with its view.kv located."""
    specs: list[ScreenSpec] = []
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        spec: Any = getattr(module, "SCREEN", None)
        if not isinstance(spec, ScreenSpec):
            raise TypeError(f"{package}.{name} must export SCREEN = ScreenSpec(...)")
        if spec.name != name:
            raise ValueError(f"{package}.{name}: SCREEN.name is {spec.name!r}, expected {name!r}")
        kv = Path(module.__file__).parent / "view.kv"
        specs.append(ScreenSpec(**{**spec.__dict__, "kv_file": kv if kv.is_file() else None}))
    return specs


def menu_for(specs: Iterable[ScreenSpec], user: User | None) -> list[ScreenSpec]:
    """The home-screen entries this user may open, group by group, in menu order within each."""
    return sorted((s for s in specs if s.menu and s.visible_to(user)),
                  key=lambda s: (s.menu_group.position, s.menu_order, s.name))
