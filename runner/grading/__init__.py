"""Grading: assignments and weights, scores, a batch of confined submissions, gradebook, shards, Gradescope.

One entry point, ``dlconform.grading.batch.grade(GradeRequest)``; ``dlconform grade`` and ``dlconform merge``
only translate their options into it. The package has two floors (pyproject.toml's layers): its model
(``assignment``, ``weights``, ``scoring``, ``errors``) sits beside ``dlconform.run``, whose ``run --assignment``
and planner score by it; the batch (``batch``, ``gradebook``, ``gradescope``, ``outdir``, ``submissions``) sits
above the reports it writes.
"""
