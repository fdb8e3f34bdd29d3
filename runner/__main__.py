"""``python -m runner`` runs the dlconform command line."""

from runner.cli import main

main()
