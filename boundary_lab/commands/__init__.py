"""One module per ``boundary-lab`` subcommand (see ``boundary_lab.cli``)."""
