"""``ember.nn.functional`` (``import ember.nn.functional as F``): the functional form of
every layer, activation and loss, with PyTorch's names, signatures and defaults."""
from ...ops.pad import pad  # noqa: F401
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .extra_losses import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
