"""Placement: decide the site (cloud, region) and offer of every placed resource.

`place.py` runs the stage (`place()`); `decision.py` holds its records (`Decision`,
`Placement`); `candidates.py` the scope and sites of a resource; `problem.py` and `solver/`
the optimisation; `lock.py` the lock file; `retired.py` what a plan retires; `explain.py`
why a resource is where it is. Each resource kind's own rules (its candidates, decision and
cost) live with its descriptor in `skyinfra.kinds`.

The package imports nothing itself, so that its modules can sit on either side of
`skyinfra.kinds` without a cycle.
"""
