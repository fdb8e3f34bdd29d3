"""Running cases: selection, dtype expansion, random cases, the engine that calls a target, the baseline gate."""
