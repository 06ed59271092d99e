"""`python -m hhsync` runs the command line."""

from hhsync.cli import main

main()
