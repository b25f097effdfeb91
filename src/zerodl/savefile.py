"""The old name of zerodl.checkpoint_file (the checkpoint file's format), kept so that
``from zerodl.savefile import save`` and ``zerodl.savefile.read_meta`` go on working.

This module is that module itself, not a copy: ``zerodl.savefile is zerodl.checkpoint_file``.
"""

import sys

from zerodl import checkpoint_file

sys.modules[__name__] = checkpoint_file
