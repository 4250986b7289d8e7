"""Why a publication did not happen: every failure leaves the current publication as it was."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.lib.publish.pii_scan import Finding


class PublishError(RuntimeError):
    """The release could not be built or swapped in; the previous publication is untouched."""


class PublishBlockedError(PublishError):
    """The run was refused before anything was written (e.g. the validation outcome says it failed)."""


class PiiFoundError(PublishError):
    """The staged release contains something that looks like personal data; it was discarded."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        shown = "\n".join(f"  - {f}" for f in self.findings[:20])
        more = f"\n  ... and {len(self.findings) - 20} more" if len(self.findings) > 20 else ""
        super().__init__(
            f"publication blocked: {len(self.findings)} personal-data finding(s) in the staged release, "
            f"nothing was swapped in:\n{shown}{more}"
        )
