"""Reading and writing vector files: safe YAML, typed values, tolerances, domains, generated inputs, cases, the load cache."""
