"""Every write of jeopardy: the scan (levels, next checks, alerts) and acknowledging an
alert. Levels live on orchestration.OrderTask; see docs/adr/0014."""

from jeopardy.services.alerts import jeopardy_alert_acknowledge
from jeopardy.services.scan import ScanResult, jeopardy_scan

__all__ = ["ScanResult", "jeopardy_alert_acknowledge", "jeopardy_scan"]
