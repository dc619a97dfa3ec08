"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from backend.accounts import models as accounts_models  # noqa: F401
from backend.alerts import models as alerts_models  # noqa: F401
from backend.audit import models as audit_models  # noqa: F401
from backend.database.base import Base
from backend.hazards import models as hazards_models  # noqa: F401
from backend.org import models as org_models  # noqa: F401
from backend.sensors import models as sensors_models  # noqa: F401
from backend.storage import models as storage_models  # noqa: F401
from backend.training import models as training_models  # noqa: F401
from backend.vision import models as vision_models  # noqa: F401

metadata = Base.metadata
