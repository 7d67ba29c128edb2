"""Recurrent layers: RNN, LSTM, GRU and their cells, with PyTorch's parameter names, gate
order (LSTM: i, f, g, o; GRU: r, z, n), initialisation, shapes (batch_first, unbatched input,
bidirectional, stacked layers with dropout between them) and return values.

Each time step is a few differentiable ember ops (``F.linear`` and the gate activations), so
backward, double backward and the function transforms go through them.
"""
import math

import ember
from .module import Module
from .. import functional as F
from .. import init
from ..parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One time step on (N, *) rows: the new hidden state (and cell state for an LSTM)."""
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = ember.chunk(gi + gh, 4, -1)
        c = ember.sigmoid(f) * c + ember.sigmoid(i) * ember.tanh(g)
        return ember.sigmoid(o) * ember.tanh(c), c
    if mode == "GRU":
        ir, iz, inn = ember.chunk(gi, 3, -1)
        hr, hz, hn = ember.chunk(gh, 3, -1)
        r = ember.sigmoid(ir + hr)
        z = ember.sigmoid(iz + hz)
        n = ember.tanh(inn + r * hn)
        return (1 - z) * n + z * h, None
    pre = gi + gh
    return (ember.tanh(pre) if mode == "RNN_TANH" else ember.relu(pre)), None


class RNNBase(Module):
    """The stacked, optionally bidirectional recurrence shared by RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if not (isinstance(dropout, (int, float)) and 0 <= dropout <= 1) or \
                isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size:
            raise NotImplementedError("LSTM proj_size > 0 is not implemented in ember yet")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        kw = {"device": device, "dtype": dtype}
        gates = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                n_in = input_size if layer == 0 else hidden_size * dirs
                self.register_parameter("weight_ih" + sfx, Parameter(ember.empty(gates, n_in, **kw)))
                self.register_parameter("weight_hh" + sfx,
                                        Parameter(ember.empty(gates, hidden_size, **kw)))
                if bias:
                    self.register_parameter("bias_ih" + sfx, Parameter(ember.empty(gates, **kw)))
                    self.register_parameter("bias_hh" + sfx, Parameter(ember.empty(gates, **kw)))
        self.reset_parameters()

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -k, k)

    def _weights(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        get = lambda n: getattr(self, n + sfx, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D instead")
        batched = input.ndim == 3
        x = input if batched else ember.unsqueeze(input, 1)
        if batched and self.batch_first:
            x = ember.transpose(x, 0, 1)                      # (L, N, H_in)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        L, N = x.shape[0], x.shape[1]
        dirs = 2 if self.bidirectional else 1
        shape = (self.num_layers * dirs, N, self.hidden_size)
        if hx is None:
            h0 = ember.zeros(shape, dtype=x.dtype)
            c0 = h0 if lstm else None
        else:
            h0, c0 = hx if lstm else (hx, None)
            if not batched:
                h0 = ember.unsqueeze(h0, 1)
                c0 = ember.unsqueeze(c0, 1) if lstm else None
            if tuple(h0.shape) != shape:
                raise RuntimeError(f"Expected hidden{'[0]' if lstm else ''} size {shape}, got "
                                   f"{list(h0.shape)}")
            if lstm and tuple(c0.shape) != shape:
                raise RuntimeError(f"Expected hidden[1] size {shape}, got {list(c0.shape)}")
        hs, cs = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                w = self._weights(layer, d)
                k = layer * dirs + d
                h, c = h0[k], (c0[k] if lstm else None)
                steps = range(L - 1, -1, -1) if d else range(L)
                seq = [None] * L
                for t in steps:
                    h, c = _step(self.mode, layer_in[t], h, c, *w)
                    seq[t] = h
                outs.append(ember.stack(seq) if L else ember.zeros((0, N, self.hidden_size),
                                                                   dtype=x.dtype))
                hs.append(h)
                if lstm:
                    cs.append(c)
            layer_in = outs[0] if dirs == 1 else ember.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        out = layer_in
        h_n = ember.stack(hs)
        c_n = ember.stack(cs) if lstm else None
        if batched and self.batch_first:
            out = ember.transpose(out, 0, 1)
        if not batched:
            out = ember.squeeze(out, 1)
            h_n = ember.squeeze(h_n, 1)
            c_n = ember.squeeze(c_n, 1) if lstm else None
        return (out, (h_n, c_n)) if lstm else (out, h_n)


class RNN(RNNBase):
    """Elman RNN: h' = tanh (or relu) of W_ih x + b_ih + W_hh h + b_hh."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit; returns ``output, h_n``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class _Cell(Module):
    """One step of a recurrence as a layer (``forward(input, hx)``)."""

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        kw = {"device": device, "dtype": dtype}
        gates = _GATES[self.mode] * hidden_size
        self.weight_ih = Parameter(ember.empty(gates, input_size, **kw))
        self.weight_hh = Parameter(ember.empty(gates, hidden_size, **kw))
        if bias:
            self.bias_ih = Parameter(ember.empty(gates, **kw))
            self.bias_hh = Parameter(ember.empty(gates, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        RNNBase.reset_parameters(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def forward(self, input, hx=None):
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.ndim}D instead")
        batched = input.ndim == 2
        x = input if batched else ember.unsqueeze(input, 0)
        lstm = self.mode == "LSTM"
        if hx is None:
            z = ember.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
            h, c = z, (z if lstm else None)
        else:
            h, c = hx if lstm else (hx, None)
            if not batched:
                h = ember.unsqueeze(h, 0)
                c = ember.unsqueeze(c, 0) if lstm else None
        h, c = _step(self.mode, x, h, c, self.weight_ih, self.weight_hh, self.bias_ih,
                     self.bias_hh)
        if not batched:
            h = ember.squeeze(h, 0)
            c = ember.squeeze(c, 0) if lstm else None
        return (h, c) if lstm else h


class RNNCell(_Cell):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(_Cell):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device=device, dtype=dtype)


class GRUCell(_Cell):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device=device, dtype=dtype)
