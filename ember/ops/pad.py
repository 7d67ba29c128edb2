"""(to be filled)"""

__all__ = []
METHODS = {}
INPLACE = {}
