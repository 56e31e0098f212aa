"""Reading and writing tables; schema and type inference. Makes no privacy decisions."""

from privsynth.io.atomic import atomic_dir, atomic_file
from privsynth.io.read import load_table, read_table, sniff_delimiter
from privsynth.io.schema import ColumnSchema, ColumnType, Schema, infer_column, infer_schema
from privsynth.io.write import TableWriter, write_table

__all__ = [
    "ColumnSchema",
    "ColumnType",
    "Schema",
    "atomic_dir",
    "atomic_file",
    "infer_column",
    "infer_schema",
    "load_table",
    "read_table",
    "sniff_delimiter",
    "TableWriter",
    "write_table",
]
