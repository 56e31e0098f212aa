"""privsynth.detect: which columns of a table are PII (see DESIGN.md).

`scan(table)` returns a `ScanResult` with one `ColumnFinding` per column: class (direct,
quasi, sensitive, other), entity, GDPR Art. 9 special category, confidence, the evidence
behind it, and a fail-safe `decision` (`not_personal` is True only for columns the scan
confidently classes as non-personal).
"""

from privsynth.detect.findings import ColumnClass, ColumnFinding, Decision, SpecialCategory
from privsynth.detect.scan import ScanResult, scan

__all__ = ["ColumnClass", "ColumnFinding", "Decision", "ScanResult", "SpecialCategory", "scan"]
