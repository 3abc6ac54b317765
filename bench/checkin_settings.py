"""Settings for the attendance benchmark's server: production settings (DEBUG off), except that static file URLs
need no manifest, so no collectstatic has to run before a benchmark (the measured pages and the check-in do not
load static files; the server does not serve them here)."""

import warnings

from lvzhi.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
