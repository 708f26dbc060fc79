"""`python -m qa` is the `reportqa` command."""

from qa.cli import main

if __name__ == "__main__":  # not when a spawned worker (the build's near-duplicate search) imports it
    main()
