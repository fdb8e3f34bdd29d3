"""Running untrusted submissions in confined worker processes, judged in the grader's process.

``IsolatedTarget(spec, Limits(...))`` behaves as any ``runner.targets.Target``;
see docs/grading.md for what the confinement guarantees. Nothing is imported
here: ``python -m runner.isolate.zygote`` must find its own module unimported.
"""
