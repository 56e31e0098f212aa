"""Reading and writing tables; schema and type inference. Makes no privacy decisions."""

from privsynth.io.atomic import atomic_dir, atomic_file
from privsynth.io.digest import file_sha256, frame_sha256
from privsynth.io.read import load_table, read_table, sniff_delimiter
from privsynth.io.schema import ColumnSchema, ColumnType, Schema, infer_column, infer_schema
from privsynth.io.write import TableWriter, write_table

__all__ = [
    "ColumnSchema",
    "ColumnType",
    "Schema",
    "atomic_dir",
    "atomic_file",
    "file_sha256",
    "frame_sha256",
    "infer_column",
    "infer_schema",
    "load_table",
    "read_table",
    "sniff_delimiter",
    "TableWriter",
    "write_table",
]
