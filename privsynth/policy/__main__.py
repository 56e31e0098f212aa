"""`python -m privsynth.policy [PATH]`: regenerate the policy JSON Schema (policies/policy.schema.json)."""

import sys
from pathlib import Path

from privsynth.policy.load import write_json_schema

target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("policies/policy.schema.json")
print(write_json_schema(target))
