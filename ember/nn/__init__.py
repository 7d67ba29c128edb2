"""``ember.nn``: modules, parameters, functional ops, initialisers and utilities with
PyTorch's API (``import ember.nn as nn``)."""
from .parameter import Parameter, Buffer  # noqa: F401
from . import functional  # noqa: F401
from . import init  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from . import utils  # noqa: F401
