"""Publishing the marts as an atomic release, the PII scan that guards it, and the auditor's
quarantine export."""

from pipelines.publish.errors import PiiFoundError, PublishBlockedError, PublishError
from pipelines.publish.pii_scan import Finding, scan_for_pii
from pipelines.publish.publisher import publish_marts
from pipelines.publish.quarantine import export_quarantine

__all__ = [
    "Finding",
    "PiiFoundError",
    "PublishBlockedError",
    "PublishError",
    "export_quarantine",
    "publish_marts",
    "scan_for_pii",
]
