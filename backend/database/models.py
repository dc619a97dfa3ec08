"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from backend.accounts import models as accounts_models  # noqa: F401
from backend.alerts import models as alerts_models  # noqa: F401
from backend.audit import models as audit_models  # noqa: F401
from backend.database.base import Base
from backend.drills import models as drills_models  # noqa: F401
from backend.events import models as events_models  # noqa: F401
from backend.hazards import models as hazards_models  # noqa: F401
from backend.inspections import models as inspections_models  # noqa: F401
from backend.kpi import models as kpi_models  # noqa: F401
from backend.org import models as org_models  # noqa: F401
from backend.permits import models as permits_models  # noqa: F401
from backend.positioning import models as positioning_models  # noqa: F401
from backend.reports import models as reports_models  # noqa: F401
from backend.responsibility import models as responsibility_models  # noqa: F401
from backend.risks import models as risks_models  # noqa: F401
from backend.sensors import models as sensors_models  # noqa: F401
from backend.storage import models as storage_models  # noqa: F401
from backend.training.bank import models as training_bank_models  # noqa: F401
from backend.training.courses import models as training_courses_models  # noqa: F401
from backend.training.exams import models as training_exams_models  # noqa: F401
from backend.training.mentoring import models as training_mentoring_models  # noqa: F401
from backend.vision import models as vision_models  # noqa: F401

metadata = Base.metadata
