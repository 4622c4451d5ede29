"""Deploying a compiled project: `skyinfra up | preview --live | refresh | destroy`.

`graph` orders the stacks, `orchestrator` runs them (pure scheduling over a small protocol),
`automation` is the real adapter on Pulumi's Automation API, `project` prepares the deploy
directory and backend, `progress` shows it, `cli` holds the commands.
"""
