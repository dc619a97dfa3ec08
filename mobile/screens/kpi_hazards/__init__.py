"""Managers: the hazards behind a dashboard figure; each opens its traceability."""

from contracts.roles import Role
from mobile.screens.kpi_hazards.controller import KpiHazardsController
from mobile.screens.kpi_hazards.model import KpiHazardsModel
from mobile.screens.kpi_hazards.view import KpiHazardsScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="kpi_hazards", view=KpiHazardsScreen, controller=KpiHazardsController,
                    model=KpiHazardsModel, title="kpi_hazards.title",
                    roles=frozenset({Role.AREA_MANAGER, Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN}))
