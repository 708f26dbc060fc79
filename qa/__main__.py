"""`python -m qa` is the `reportqa` command."""

from qa.cli import main

main()
