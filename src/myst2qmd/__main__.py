import sys

try:
    from .cli import entry
except KeyboardInterrupt:  # Ctrl-C while Python is still loading: nothing was read or written yet
    sys.stderr.write("myst2qmd: interrupted; nothing was written\n")
    sys.exit(130)

entry()
