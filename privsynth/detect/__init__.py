"""privsynth.detect: which columns of a table are PII (see DESIGN.md).

`scan(table)` returns a `ScanResult` with one `ColumnFinding` per column: class (direct,
quasi, sensitive, other), entity, confidence and the evidence behind it.
"""

from privsynth.detect.findings import ColumnClass, ColumnFinding
from privsynth.detect.scan import ScanResult, scan

__all__ = ["ColumnClass", "ColumnFinding", "ScanResult", "scan"]
