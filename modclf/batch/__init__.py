"""Batch runs over files: the engine (engine), record readers and writers (dumps), and the jobs that
segment pages or score comments of a dump (jobs), plus `modclf bench` (bench).

Built on the core (modclf.api, modclf.score, ...); the core never imports this package.
"""
