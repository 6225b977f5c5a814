import sys

from relayer.cli import main

sys.exit(main())
