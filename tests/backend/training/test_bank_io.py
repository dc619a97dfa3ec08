"""Question bank import/export parsing (pure)."""

from __future__ import annotations

from backend.training.bank.formats import BankFormat, export_bank, parse_bank
from backend.training.bank.rules import QuestionKind

GOOD_CSV = """kind,text,options,correct,tags,difficulty,explanation
SINGLE,瓦斯浓度达到多少时报警 Methane alarm at?,0.5%|1.0%|1.5%|2.0%,B,gas,1,采煤工作面 1.0%
MULTIPLE,Which are part of 五落实?,measures|funds|lunch|deadline,A|B|D,hazard|law,3,
TRUE_FALSE,A re-inspector may be the rectifier,,false,hazard,2,
"""


def test_csv_rows_are_read_with_letters_and_true_false_words() -> None:
    questions, errors = parse_bank(GOOD_CSV, BankFormat.CSV)
    assert errors == []
    assert [q.kind for q in questions] == [QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE]
    assert questions[0].correct == [1] and questions[1].correct == [0, 1, 3]
    assert questions[2].options == ["正确 True", "错误 False"] and questions[2].correct == [1]
    assert questions[1].tags == ["hazard", "law"]


def test_every_bad_row_gets_its_own_error() -> None:
    bad = GOOD_CSV + "\n".join([
        "ESSAY,Describe,a|b,A,gas,1,",
        "SINGLE,Two answers,a|b|c,A|B,gas,1,",
        "MULTIPLE,One answer,a|b|c,A,gas,1,",
        "SINGLE,No tag,a|b,A,,1,",
        "SINGLE,Too hard,a|b,A,gas,9,",
        "SINGLE,Wrong letter,a|b,E,gas,1,",
        "SINGLE,瓦斯浓度达到多少时报警 Methane alarm at?,a|b,A,gas,1,",
    ]) + "\n"
    _, errors = parse_bank(bad, BankFormat.CSV)
    assert [e.row for e in errors] == [4, 5, 6, 7, 8, 9, 10]
    messages = " / ".join(e.message for e in errors)
    for fragment in ("kind must be", "exactly one correct", "at least two correct", "tag", "difficulty",
                     "names no option", "same question text as row 1"):
        assert fragment in messages


def test_export_reads_back_unchanged_in_both_formats() -> None:
    questions, _ = parse_bank(GOOD_CSV, BankFormat.CSV)
    for fmt in BankFormat:
        again, errors = parse_bank(export_bank(questions, fmt), fmt)
        assert errors == [] and again == questions


def test_broken_files_are_refused_as_a_whole() -> None:
    assert parse_bank("{not json", BankFormat.JSON)[1][0].row == 0
    assert "list" in parse_bank('{"kind": "SINGLE"}', BankFormat.JSON)[1][0].message
    assert "header lacks" in parse_bank("a,b\n1,2\n", BankFormat.CSV)[1][0].message
    assert "no questions" in parse_bank("kind,text,correct,tags,difficulty\n", BankFormat.CSV)[1][0].message
    _, errors = parse_bank('[1, {"kind": "TRUE_FALSE", "text": "t", "correct": true, "tags": ["x"], '
                           '"difficulty": 1}]', BankFormat.JSON)
    assert [e.row for e in errors] == [1]
