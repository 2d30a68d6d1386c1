"""One torch module for vanilla RNN, LSTM and GRU forecasters, with three output strategies.

Naming: ``n_features`` is the number of values per time step (torch's ``input_size``); the
forecasters' ``input_size`` is the window length. The two never meet under one name here.
"""

from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
STRATEGIES = ("direct", "recursive", "seq2seq")


def monotone_quantiles(raw: torch.Tensor) -> torch.Tensor:
    """Quantiles in increasing order from raw outputs ``(..., Q)``, Q odd: the middle output is
    the median, each one above (below) it adds (subtracts) a softplus step to its neighbour, so
    quantiles can never cross."""
    middle = raw.shape[-1] // 2
    median = raw[..., middle : middle + 1]
    above = median + torch.cumsum(nn.functional.softplus(raw[..., middle + 1 :]), dim=-1)
    below = median - torch.cumsum(nn.functional.softplus(raw[..., :middle].flip(-1)), dim=-1).flip(-1)
    return torch.cat([below, median, above], dim=-1)


class RecurrentNetwork(nn.Module):
    """Encoder over the input window, then one of three heads.

    - ``direct`` (many-to-many): the encoder's final state maps to all ``horizon`` values.
    - ``recursive`` (many-to-one): one step ahead; the forecaster feeds each prediction back
      into the window (see :func:`~forecastrnn.models._training.forecast_windows`).
    - ``seq2seq``: the encoder's final state starts a recurrent decoder that is unrolled for
      ``horizon`` steps, each fed the previous prediction.

    Inputs are ``(batch, window, n_features)`` with the target as feature 0; outputs
    ``(batch, steps)`` (``(batch, 1)`` for ``recursive``), or ``(batch, steps, n_quantiles)``
    for a ``direct`` network that learns quantiles (see :func:`monotone_quantiles`).

    With ``segment`` > 1 the encoder reads the window ``segment`` time steps at a time (each
    recurrent step sees the values of one segment side by side, as SegRNN does), so a long
    window costs ``segment`` times fewer sequential steps; a window whose length is not a
    multiple of ``segment`` is left-padded with zeros, which the observed flag (feature 1 of
    the forecasters' inputs) marks as missing.
    """

    def __init__(
        self,
        *,
        cell: str,
        n_features: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        bidirectional: bool,
        nonlinearity: str,
        strategy: str,
        horizon: int,
        n_quantiles: int = 1,
        segment: int = 1,
    ) -> None:
        super().__init__()
        self.cell, self.strategy, self.horizon, self.n_quantiles = cell, strategy, horizon, n_quantiles
        self.segment = segment
        self.num_layers, self.hidden_size = num_layers, hidden_size
        self.directions = 2 if bidirectional else 1
        extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        recurrent = CELLS[cell]
        self.encoder = recurrent(
            input_size=n_features * segment,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            batch_first=True,
            **extra,
        )
        self.dropout = nn.Dropout(dropout)
        encoded = hidden_size * self.directions
        if strategy == "direct":
            self.head = nn.Linear(encoded, horizon * n_quantiles)
        elif strategy == "recursive":
            self.head = nn.Linear(encoded, 1)
        else:
            self.decoder = recurrent(
                input_size=1,
                hidden_size=hidden_size,
                num_layers=num_layers,
                dropout=dropout if num_layers > 1 else 0.0,
                batch_first=True,
                **extra,
            )
            self.bridge = nn.Linear(encoded, hidden_size) if bidirectional else None
            self.cell_bridge = nn.Linear(encoded, hidden_size) if bidirectional and cell == "lstm" else None
            self.head = nn.Linear(hidden_size, 1)

    def _final_state(self, hidden: torch.Tensor) -> torch.Tensor:
        """Last layer's final hidden state, both directions concatenated: ``(batch, H * dirs)``."""
        last = hidden.view(self.num_layers, self.directions, hidden.shape[1], self.hidden_size)[-1]
        return last.permute(1, 0, 2).reshape(hidden.shape[1], -1)

    def _encode(self, inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if self.segment > 1:
            batch, window, features = inputs.shape
            short = -window % self.segment
            if short:
                inputs = nn.functional.pad(inputs, (0, 0, short, 0))
            inputs = inputs.reshape(batch, (window + short) // self.segment, self.segment * features)
        _, state = self.encoder(inputs)
        return state

    def forward(self, inputs: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """Forecast ``steps`` values (default ``horizon``; at most ``horizon`` for ``direct``);
        ``recursive`` networks give the next value only."""
        steps = self.horizon if steps is None else steps
        if self.strategy == "seq2seq":
            return self._seq2seq(inputs, steps)
        state = self._encode(inputs)
        hidden = state[0] if isinstance(state, tuple) else state
        output = self.head(self.dropout(self._final_state(hidden)))
        if self.strategy == "recursive":
            return output
        if self.n_quantiles == 1:
            return output[:, :steps]
        return monotone_quantiles(output.view(-1, self.horizon, self.n_quantiles)[:, :steps])

    def _bridge_state(self, hidden: torch.Tensor, bridge: nn.Linear | None) -> torch.Tensor:
        if bridge is None:
            return hidden
        batch = hidden.shape[1]
        layers = hidden.view(self.num_layers, self.directions, batch, self.hidden_size)
        joined = layers.permute(0, 2, 1, 3).reshape(self.num_layers, batch, -1)
        return torch.tanh(bridge(joined))

    def _seq2seq(self, inputs: torch.Tensor, steps: int) -> torch.Tensor:
        state = self._encode(inputs)
        if isinstance(state, tuple):
            state = (self._bridge_state(state[0], self.bridge), self._bridge_state(state[1], self.cell_bridge))
        else:
            state = self._bridge_state(state, self.bridge)
        previous = inputs[:, -1:, :1]
        outputs = []
        for _ in range(steps):
            decoded, state = self.decoder(previous, state)
            step = self.head(self.dropout(decoded[:, -1]))
            outputs.append(step)
            previous = step.unsqueeze(-1)
        return torch.cat(outputs, dim=1)
