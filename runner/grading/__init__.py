"""Grading: assignments and weights, scores, a batch of confined submissions, gradebook, shards, Gradescope.

One entry point, ``dlconform.grading.batch.grade(GradeRequest)``; ``dlconform grade`` and ``dlconform merge``
only translate their options into it. Assignments (``Assignment``, ``load_assignment``, ``with_score``) are
also what ``run --assignment`` scores by.
"""
