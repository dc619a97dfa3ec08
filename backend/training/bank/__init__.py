"""The question bank: questions, drawing rules, CSV/JSON import and export."""
