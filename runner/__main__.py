"""``python -m runner`` runs the dlconform command line."""

from dlconform.cli import main

main()
