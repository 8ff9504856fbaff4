"""Reading the records: aggregates, tables, plots, the README blocks and the static report."""
