import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still loading: nothing was read or written yet
    sys.stderr.write("myst2qmd: interrupted; nothing was written\n")
    sys.exit(130)

sys.exit(main())
