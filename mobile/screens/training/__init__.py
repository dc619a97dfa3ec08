"""Training (issue 6): my courses and lessons, exams with the server's countdown, results, mentoring."""

from mobile.screens.training.controller import TrainingController
from mobile.screens.training.model import TrainingModel
from mobile.screens.training.view import TrainingScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="training", view=TrainingScreen, controller=TrainingController, model=TrainingModel,
                    title="training.title", menu_title="training.menu", menu=True, menu_order=60,
                    menu_group=MenuGroup.LEARN)
