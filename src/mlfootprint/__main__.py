import sys

from mlfootprint.cli.main import main

sys.exit(main())
