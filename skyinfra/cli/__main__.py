"""`python -m skyinfra.cli`: the same as the `skyinfra` command."""

from skyinfra.cli import main

main()
