import sys

from joule_analysis.cli import main

sys.exit(main())
