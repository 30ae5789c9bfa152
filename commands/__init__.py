"""The command-line layer of clientreg: the Typer app, the wizard and rendering."""
