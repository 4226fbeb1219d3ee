"""Entry file for spark-submit (a main file cannot use the package's relative imports)."""

import sys

from iw_backfill.job import main

if __name__ == "__main__":
    sys.exit(main())
