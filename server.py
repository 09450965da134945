"""Start the overlay server: `python server.py --help`."""

import sys

from overlay.cli import main

if __name__ == "__main__":
    sys.exit(main())
