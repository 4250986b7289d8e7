"""The coverage report for the office: one offline page and a PNG per chart, inside every release."""

from pipelines.lib.publish.report.build import REPORT_DIR, write_report
from pipelines.lib.publish.report.figures import MARTS
from pipelines.lib.publish.report.terms import Zones, zones_of

__all__ = ["MARTS", "REPORT_DIR", "Zones", "write_report", "zones_of"]
