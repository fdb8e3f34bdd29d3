"""The CLI's commands, one module per kind; ``dlconform.cli`` gathers them into one group."""
