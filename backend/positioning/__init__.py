"""Personnel positioning (人员定位): tags, readers, who is where, its alerts, and evacuation lists."""
