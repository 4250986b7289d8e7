"""Publishing the marts as an atomic release, the PII scan that guards it, and the auditor's
quarantine export."""

from pipelines.lib.publish.errors import PiiFoundError, PublishBlockedError, PublishError
from pipelines.lib.publish.pii_scan import Finding, scan_for_pii
from pipelines.lib.publish.publisher import publish_marts
from pipelines.lib.publish.quarantine import export_quarantine

__all__ = [
    "Finding",
    "PiiFoundError",
    "PublishBlockedError",
    "PublishError",
    "export_quarantine",
    "publish_marts",
    "scan_for_pii",
]
