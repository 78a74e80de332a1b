import sys

from jobconsole.cli import main

sys.exit(main())
