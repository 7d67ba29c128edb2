"""ember.optim: optimizers and learning-rate schedulers with PyTorch's update rules."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop, Adagrad
from .adaptive import Adamax, NAdam, RAdam, Adadelta
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam",
           "RAdam", "Adadelta", "lr_scheduler"]
