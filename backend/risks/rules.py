"""Pure rules of risk pre-control (风险分级管控): LEC and 5 × 5 matrix grading, bands, control levels, dynamic level.

Everything here works on plain data (no database, no strawberry): grading at band boundaries, the control
level a risk level demands, which posts may answer for it, and how open hazards and alarms raise a point's
shown level. Bands and matrices are per-mine data (`GradingScheme`); the defaults are DOMAIN.md's.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class RiskLevel(enum.StrEnum):
    """Ordered: BLUE < YELLOW < ORANGE < RED (compare with `rank`)."""

    BLUE = "BLUE"  # 低风险
    YELLOW = "YELLOW"  # 一般风险
    ORANGE = "ORANGE"  # 较大风险
    RED = "RED"  # 重大风险

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)


LEVEL_ORDER: tuple[RiskLevel, ...] = (RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED)


def level_of_rank(rank: int) -> RiskLevel:
    return LEVEL_ORDER[max(0, min(rank, len(LEVEL_ORDER) - 1))]


def highest(levels: Sequence[RiskLevel | None]) -> RiskLevel | None:
    present = [level for level in levels if level is not None]
    return max(present, key=lambda level: level.rank) if present else None


class RiskCategory(enum.StrEnum):
    """The kind of hazard source (危险源)."""

    GAS = "GAS"  # 瓦斯
    WATER = "WATER"  # 水害
    ROOF = "ROOF"  # 顶板
    FIRE = "FIRE"  # 火灾
    DUST = "DUST"  # 粉尘
    ELECTROMECHANICAL = "ELECTROMECHANICAL"  # 机电
    TRANSPORT = "TRANSPORT"  # 运输
    BLASTING = "BLASTING"  # 爆破
    OTHER = "OTHER"


class RiskSubjectKind(enum.StrEnum):
    AREA = "AREA"  # a place
    ACTIVITY = "ACTIVITY"  # an activity (作业活动) carried out in an area
    DEVICE = "DEVICE"  # a device (设备) in an area


class AssessmentMethod(enum.StrEnum):
    LEC = "LEC"
    MATRIX = "MATRIX"


class AssessmentReason(enum.StrEnum):
    ANNUAL = "ANNUAL"  # 年度辨识
    SPECIAL = "SPECIAL"  # 专项辨识: after a change of area, process, equipment or geology, or an accident
    INITIAL = "INITIAL"


class MeasureKind(enum.StrEnum):
    ENGINEERING = "ENGINEERING"  # 工程技术
    MANAGEMENT = "MANAGEMENT"  # 管理
    TRAINING = "TRAINING"  # 培训教育
    PPE = "PPE"  # 个体防护
    EMERGENCY = "EMERGENCY"  # 应急处置


class ControlLevel(enum.StrEnum):
    """Who controls a risk (分级管控), ordered POST < TEAM < DISTRICT < MINE."""

    POST = "POST"
    TEAM = "TEAM"
    DISTRICT = "DISTRICT"
    MINE = "MINE"

    @property
    def rank(self) -> int:
        return CONTROL_ORDER.index(self)


CONTROL_ORDER: tuple[ControlLevel, ...] = (ControlLevel.POST, ControlLevel.TEAM, ControlLevel.DISTRICT,
                                           ControlLevel.MINE)
CONTROL_FOR_LEVEL: Mapping[RiskLevel, ControlLevel] = {
    RiskLevel.RED: ControlLevel.MINE, RiskLevel.ORANGE: ControlLevel.DISTRICT,
    RiskLevel.YELLOW: ControlLevel.TEAM, RiskLevel.BLUE: ControlLevel.POST,
}


class CheckFrequency(enum.StrEnum):
    SHIFT = "SHIFT"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"

    @property
    def span(self) -> timedelta:
        return FREQUENCY_SPAN[self]


FREQUENCY_SPAN: Mapping[CheckFrequency, timedelta] = {
    CheckFrequency.SHIFT: timedelta(hours=8), CheckFrequency.DAILY: timedelta(days=1),
    CheckFrequency.WEEKLY: timedelta(days=7), CheckFrequency.MONTHLY: timedelta(days=30),
    CheckFrequency.QUARTERLY: timedelta(days=91),
}
# the check a control level does at least as often (mine-level checks of red risks are at least weekly)
DEFAULT_FREQUENCY: Mapping[RiskLevel, CheckFrequency] = {
    RiskLevel.RED: CheckFrequency.DAILY, RiskLevel.ORANGE: CheckFrequency.WEEKLY,
    RiskLevel.YELLOW: CheckFrequency.WEEKLY, RiskLevel.BLUE: CheckFrequency.MONTHLY,
}


class GradingError(ValueError):
    """An input out of range or a scheme that cannot grade; names the offending field."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


# --- LEC --------------------------------------------------------------------------------------------
LEC_RANGES: Mapping[str, tuple[float, float]] = {"likelihood": (0.1, 10.0), "exposure": (0.5, 10.0),
                                                 "consequence": (1.0, 100.0)}


@dataclass(frozen=True, slots=True)
class LecBand:
    """D strictly above `above` (and at most the next band's bound) is this band."""

    above: float
    level: RiskLevel
    label: str


DEFAULT_LEC_BANDS: tuple[LecBand, ...] = (
    LecBand(320, RiskLevel.RED, "extreme"), LecBand(160, RiskLevel.ORANGE, "high"),
    LecBand(70, RiskLevel.YELLOW, "significant"), LecBand(20, RiskLevel.BLUE, "general"),
    LecBand(0, RiskLevel.BLUE, "acceptable"),
)


@dataclass(frozen=True, slots=True)
class Grade:
    score: float
    level: RiskLevel
    band: str


def _in_range(value: float, name: str, low: float, high: float) -> float:
    if not isinstance(value, int | float) or value != value or not low <= value <= high:
        raise GradingError(f"{name} must be between {low:g} and {high:g} (got {value})", field=name)
    return float(value)


def check_lec_bands(bands: Sequence[LecBand]) -> tuple[LecBand, ...]:
    """Bands ordered from the highest bound down, strictly decreasing, the last starting at 0."""
    if not bands:
        raise GradingError("at least one LEC band is needed", field="lecBands")
    ordered = tuple(sorted(bands, key=lambda band: band.above, reverse=True))
    bounds = [band.above for band in ordered]
    if len(set(bounds)) != len(bounds):
        raise GradingError("two LEC bands start at the same value", field="lecBands")
    if bounds[-1] != 0:
        raise GradingError("the lowest LEC band must start at 0", field="lecBands")
    levels = [band.level.rank for band in ordered]
    if levels != sorted(levels, reverse=True):
        raise GradingError("a higher D must never give a lower level", field="lecBands")
    return ordered


def grade_lec(likelihood: float, exposure: float, consequence: float,
              bands: Sequence[LecBand] = DEFAULT_LEC_BANDS) -> Grade:
    """D = L × E × C graded by the bands (a band holds D > above, up to the next band's bound inclusive)."""
    values = {name: _in_range(value, name, *LEC_RANGES[name])
              for name, value in (("likelihood", likelihood), ("exposure", exposure), ("consequence", consequence))}
    score = round(values["likelihood"] * values["exposure"] * values["consequence"], 6)
    ordered = check_lec_bands(bands)
    for band in ordered[:-1]:
        if score > band.above:
            return Grade(score=score, level=band.level, band=band.label)
    last = ordered[-1]
    return Grade(score=score, level=last.level, band=last.label)


# --- 5 × 5 matrix ------------------------------------------------------------------------------------
MATRIX_SIZE = 5
MATRIX_LABELS: Mapping[RiskLevel, str] = {RiskLevel.RED: "重大", RiskLevel.ORANGE: "较大", RiskLevel.YELLOW: "一般",
                                          RiskLevel.BLUE: "低"}


def matrix_from_cutoffs(red_from: int = 20, orange_from: int = 9, yellow_from: int = 4
                        ) -> tuple[tuple[RiskLevel, ...], ...]:
    """A matrix (rows: likelihood 1–5, columns: severity 1–5) from product cut-offs (DOMAIN.md's by default)."""
    def cell(product: int) -> RiskLevel:
        if product >= red_from:
            return RiskLevel.RED
        if product >= orange_from:
            return RiskLevel.ORANGE
        if product >= yellow_from:
            return RiskLevel.YELLOW
        return RiskLevel.BLUE
    return tuple(tuple(cell(likelihood * severity) for severity in range(1, 6)) for likelihood in range(1, 6))


DEFAULT_MATRIX = matrix_from_cutoffs()


def check_matrix(matrix: Sequence[Sequence[RiskLevel]]) -> tuple[tuple[RiskLevel, ...], ...]:
    """Exactly 5 × 5, and never lower where likelihood or severity is higher (monotone), cell by cell."""
    if len(matrix) != MATRIX_SIZE or any(len(row) != MATRIX_SIZE for row in matrix):
        raise GradingError("the matrix must have 5 rows (likelihood) of 5 cells (severity)", field="matrix")
    grid = tuple(tuple(RiskLevel(cell) for cell in row) for row in matrix)
    for i in range(MATRIX_SIZE):
        for j in range(MATRIX_SIZE):
            if (i and grid[i][j].rank < grid[i - 1][j].rank) or (j and grid[i][j].rank < grid[i][j - 1].rank):
                raise GradingError(f"cell likelihood {i + 1} × severity {j + 1} is lower than a cell of lower risk",
                                   field="matrix")
    return grid


def grade_matrix(likelihood: int, severity: int,
                 matrix: Sequence[Sequence[RiskLevel]] = DEFAULT_MATRIX) -> Grade:
    """The level of a likelihood 1–5 × severity 1–5 cell; the score is their product."""
    for name, value in (("likelihood", likelihood), ("severity", severity)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MATRIX_SIZE:
            raise GradingError(f"{name} must be a whole number from 1 to 5 (got {value})", field=name)
    level = RiskLevel(matrix[likelihood - 1][severity - 1])
    return Grade(score=float(likelihood * severity), level=level, band=MATRIX_LABELS[level])


# --- control levels and posts -----------------------------------------------------------------------
def required_control(level: RiskLevel) -> ControlLevel:
    return CONTROL_FOR_LEVEL[level]


def post_control_level(post_unit_id: object | None, post_unit_is_district: bool) -> ControlLevel:
    """The level a post controls at: no unit — the mine; a district's — the district; an area's — its team."""
    if post_unit_id is None:
        return ControlLevel.MINE
    return ControlLevel.DISTRICT if post_unit_is_district else ControlLevel.TEAM


def post_fits(level: RiskLevel, post_level: ControlLevel) -> bool:
    """Whether a post at `post_level` may answer for a risk of `level` (a higher level always may)."""
    return post_level.rank >= required_control(level).rank


# --- review due dates -------------------------------------------------------------------------------
REVIEW_DAYS: Mapping[RiskLevel, int] = {RiskLevel.RED: 90, RiskLevel.ORANGE: 180, RiskLevel.YELLOW: 365,
                                        RiskLevel.BLUE: 365}
REMINDER_DAYS = 30


def default_review_due(level: RiskLevel, assessed_at: datetime, overrides: Mapping[str, int] | None = None
                       ) -> datetime:
    """The next review: at the latest by the annual identification, sooner for higher risks."""
    days = {**{k.value: v for k, v in REVIEW_DAYS.items()}, **(overrides or {})}
    return assessed_at + timedelta(days=days[level.value])


def review_state(due: datetime | None, now: datetime, reminder_days: int = REMINDER_DAYS) -> str:
    """OK, DUE_SOON (within the reminder window) or OVERDUE."""
    if due is None:
        return "OK"
    if now > due:
        return "OVERDUE"
    return "DUE_SOON" if due - now <= timedelta(days=reminder_days) else "OK"


# --- dynamic risk -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LiveFactors:
    """What is live at a risk point now (counted by the caller from hazards and alerts)."""

    open_hazards: int = 0
    major_hazards: int = 0
    alarms: int = 0
    critical_alarms: int = 0
    vision_events: int = 0

    @property
    def any(self) -> bool:
        return bool(self.open_hazards or self.alarms or self.vision_events)


@dataclass(frozen=True, slots=True)
class ShownLevel:
    level: RiskLevel
    raised: bool
    causes: tuple[str, ...] = field(default=())


def shown_level(base: RiskLevel, live: LiveFactors) -> ShownLevel:
    """The level the map shows: one step up while a hazard, an alarm or a vision event is live at the point,
    straight to red for a major hazard or a critical alarm; the assessed level again once all are resolved."""
    causes = tuple(name for name, count in (("hazard", live.open_hazards), ("alarm", live.alarms),
                                            ("vision", live.vision_events)) if count)
    if not causes:
        return ShownLevel(level=base, raised=False)
    if live.major_hazards or live.critical_alarms:
        return ShownLevel(level=RiskLevel.RED, raised=base is not RiskLevel.RED, causes=causes)
    level = level_of_rank(base.rank + 1)
    return ShownLevel(level=level, raised=level is not base, causes=causes)


# --- the measure library ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MeasureSuggestion:
    category: RiskCategory
    kind: MeasureKind
    text: str


_L = MeasureKind
DEFAULT_LIBRARY: Mapping[RiskCategory, tuple[tuple[MeasureKind, str], ...]] = {
    RiskCategory.GAS: (
        (_L.ENGINEERING, "Methane sensors at the face and return, power cut at the set limit (瓦斯传感器与断电)"),
        (_L.MANAGEMENT, "Gas inspector checks each shift, three checks per blast (一炮三检)"),
        (_L.ENGINEERING, "Ventilation keeps the design air volume; no circulating air"),
        (_L.PPE, "Self-rescuer and portable methane detector carried"),
        (_L.EMERGENCY, "Evacuate and cut power when methane exceeds the limit"),
    ),
    RiskCategory.WATER: (
        (_L.MANAGEMENT, "Probe ahead before driving (有掘必探, 先探后掘)"),
        (_L.ENGINEERING, "Drainage pumps and water sumps sized and tested"),
        (_L.EMERGENCY, "Water inrush signs known; escape route posted"),
    ),
    RiskCategory.ROOF: (
        (_L.ENGINEERING, "Support to the design: bolts, mesh, hydraulic legs at rated resistance"),
        (_L.MANAGEMENT, "Roof separation and support pressure monitored each shift"),
        (_L.TRAINING, "Knocking-test and roof observation training for the crew"),
        (_L.EMERGENCY, "Stop work and withdraw on roof warning signs"),
    ),
    RiskCategory.FIRE: (
        (_L.ENGINEERING, "Fire extinguishers and water lines at the belt and chambers"),
        (_L.MANAGEMENT, "CO and temperature monitored; spontaneous combustion signs checked"),
        (_L.EMERGENCY, "Fire drill and escape route known to everyone"),
    ),
    RiskCategory.DUST: (
        (_L.ENGINEERING, "Water spraying and dust suppression working at transfer points"),
        (_L.PPE, "Dust masks worn"),
        (_L.MANAGEMENT, "Coal dust cleaned; explosion barriers in place"),
    ),
    RiskCategory.ELECTROMECHANICAL: (
        (_L.ENGINEERING, "Explosion-proof equipment intact; leakage and earth protection tested"),
        (_L.MANAGEMENT, "Lock-out tag-out for every power isolation (停送电)"),
        (_L.TRAINING, "Electricians hold special-operation certificates"),
    ),
    RiskCategory.TRANSPORT: (
        (_L.ENGINEERING, "Car stops, arresters and signals working on inclines"),
        (_L.MANAGEMENT, "No riding on belts; walking and travelling rules enforced"),
        (_L.PPE, "High-visibility vests in haulage roads"),
    ),
    RiskCategory.BLASTING: (
        (_L.MANAGEMENT, "One blast one check; three gas checks per blast (一炮三检, 三人连锁)"),
        (_L.ENGINEERING, "Explosives stored and carried in approved containers"),
        (_L.EMERGENCY, "Guards posted and the area cleared before firing"),
    ),
    RiskCategory.OTHER: (
        (_L.MANAGEMENT, "Work to the operating procedure (操作规程)"),
        (_L.TRAINING, "Pre-shift safety briefing (班前会)"),
    ),
}


def suggestions(categories: Sequence[RiskCategory], mine_library: Sequence[MeasureSuggestion] = (),
                existing: Sequence[str] = ()) -> list[MeasureSuggestion]:
    """Measures for the point's source categories: the mine's own library first, then the defaults, without
    repeating a measure the point already has (compared by text, case- and space-insensitive)."""
    def norm(text: str) -> str:
        return " ".join(text.lower().split())
    seen = {norm(text) for text in existing}
    wanted = list(dict.fromkeys(categories))
    out: list[MeasureSuggestion] = []
    candidates = [s for s in mine_library if s.category in wanted]
    candidates += [MeasureSuggestion(category, kind, text) for category in wanted
                   for kind, text in DEFAULT_LIBRARY.get(category, ())]
    for suggestion in candidates:
        if norm(suggestion.text) not in seen:
            seen.add(norm(suggestion.text))
            out.append(suggestion)
    return out
