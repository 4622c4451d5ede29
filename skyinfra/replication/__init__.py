"""Replication: replica buckets next to the workloads that read them (`replicate_to`).

`model.py` holds the neutral record, `plan.py` the planning pass; the replication stack's
program is `skyinfra/replication_stack.py`.
"""
