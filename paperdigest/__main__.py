"""``python -m paperdigest``: the same as the ``paperdigest`` console script."""

from paperdigest.cli import main

main()
