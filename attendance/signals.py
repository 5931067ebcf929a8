"""Sent after an upload was stored, so later rules (checkpoints, the absence rule) run on fresh data."""

from django.dispatch import Signal

# kwargs: upload (AttendanceUpload, status "verwerkt"), changed (bool: lessons were added or changed)
upload_processed = Signal()
