"""Child process that reads one XLSX workbook: `python -I xlsx_child.py SOURCE TARGET MAX_ROWS`.

Runs under the memory and time limits set by `cx.importers.reading.read_xlsx`, so a
hostile workbook can only kill this process. It picks the sheet holding the most
filled cells (exports sometimes put a notes tab first), reads every cell as text,
and writes the rows to TARGET as an Arrow file. A refusal it can explain is printed
as one "REFUSED: ..." line with exit code 3.
"""

from __future__ import annotations

import sys

import fastexcel
import pyarrow as pa
import pyarrow.ipc


def main(source: str, target: str, max_rows: int) -> int:
    reader = fastexcel.read_excel(source)
    best, best_filled = None, -1
    for name in reader.sheet_names:
        loaded = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
        # The parent checked the declared size; a sheet without a declaration is checked here.
        if loaded.total_height > max_rows + 10:
            print(f"REFUSED: Sheet '{name}' has {loaded.total_height:,} rows; one upload can hold "
                  f"{max_rows:,}.")
            return 3
        sheet = pa.Table.from_batches([loaded.to_arrow()])
        filled = sum(len(column) - column.null_count for column in sheet.columns)
        if filled > best_filled:
            best, best_filled = (name, sheet), filled
    name, table = best
    notes = ""
    if len(reader.sheet_names) > 1:
        notes = f"The workbook has {len(reader.sheet_names)} sheets; the data was read from '{name}'."
    table = table.replace_schema_metadata({"sheet": name, "notes": notes})
    with pa.OSFile(target, "wb") as sink, pyarrow.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
