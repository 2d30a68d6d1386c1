"""The torch module behind the recurrent forecasters: segment-wise reading of long windows."""

from __future__ import annotations

import torch

from forecastrnn.models._network import RecurrentNetwork

SETTINGS = {
    "hidden_size": 5,
    "num_layers": 1,
    "dropout": 0.0,
    "bidirectional": False,
    "nonlinearity": "tanh",
    "strategy": "direct",
    "horizon": 2,
}


def test_segments_are_consecutive_values_side_by_side_left_padded_with_unobserved_zeros():
    torch.manual_seed(0)
    segmented = RecurrentNetwork(cell="gru", n_features=2, segment=3, **SETTINGS)
    plain = RecurrentNetwork(cell="gru", n_features=6, **SETTINGS)
    plain.load_state_dict(segmented.state_dict())
    window = torch.randn(4, 7, 2)
    # 7 steps read 3 at a time: two zero steps (value 0, observed flag 0) go first
    by_hand = torch.cat([torch.zeros(4, 2, 2), window], dim=1).reshape(4, 3, 6)
    assert segmented.encoder.input_size == 6
    torch.testing.assert_close(segmented(window), plain(by_hand), rtol=0, atol=0)


def test_a_segment_of_one_reads_the_window_step_by_step():
    torch.manual_seed(0)
    network = RecurrentNetwork(cell="lstm", n_features=2, **SETTINGS)
    window = torch.randn(3, 5, 2)
    _, (hidden, _) = network.encoder(window)
    torch.testing.assert_close(network(window), network.head(hidden[-1]), rtol=0, atol=0)
