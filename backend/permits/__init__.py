"""Work permits (作业许可, issue 14 items 4-6)."""
