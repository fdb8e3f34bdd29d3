"""``python -m dlconform`` runs the dlconform command line."""

from dlconform.cli import main

main()
