from mobile.ui.base import BaseScreen


class LoginScreen(BaseScreen):
    """Sign-in form (layout in view.kv)."""

    def on_leave(self, *args: object) -> None:
        self.ids.password.text = ""
        super().on_leave(*args)
