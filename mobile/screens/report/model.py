from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class ReportModel(BaseModel):
    photos = ListProperty([])        # local file paths, in order
    photos_text = StringProperty("")
    area_names = ListProperty([])    # spinner values
    area_name = StringProperty("")
    grade = StringProperty("GENERAL")
    categories = ListProperty([])   # [{"action": id, "text": name}] of the mine's categories
    category_id = StringProperty("")
    category_name = StringProperty("")
    phrases = ListProperty([])      # the chosen category's quick phrases, as buttons
