"""Running untrusted submissions in confined worker processes, judged in the grader's process.

``open_target(spec, isolation=Limits(...))`` gives an ``IsolatedTarget``, a ``dlconform.targets.base.Target``;
see docs/grading.md for what the confinement guarantees. Nothing is imported
here: ``python -m dlconform.targets.isolate.zygote`` must find its own module unimported.
"""
