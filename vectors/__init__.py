"""The bundled vector files, installed as the package data ``dlconform.vectors`` and read through importlib.resources."""
