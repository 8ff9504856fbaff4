"""The gan-zoo benchmark: runner, records, tables, plots and speed checks."""
