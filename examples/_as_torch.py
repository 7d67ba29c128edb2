"""Load one of these example modules with PyTorch itself as ``torch`` (the examples are
written for ``import ember as torch``): the same source then runs on both, which is how the
tests and benchmarks compare ember with PyTorch."""
import importlib.util
import os
import sys


def load_with_torch(name):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    src = open(path).read()
    src = (src.replace("import ember as torch", "import torch")
              .replace("import ember.nn.functional as F", "import torch.nn.functional as F")
              .replace("from ember.func import", "from torch.func import")
              .replace("from ember.utils.benchmark import", "from torch.utils.benchmark import")
              .replace("from ember.autograd import", "from torch.autograd import"))
    spec = importlib.util.spec_from_loader(name + "_torch", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    exec(compile(src, path, "exec"), mod.__dict__)
    return mod
