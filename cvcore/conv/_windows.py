"""Every window a kernel or a pooling window covers, gathered in one indexing step."""

import torch

__all__ = ["sliding_windows"]


def sliding_windows(padded: torch.Tensor, out_hw, window_hw, stride, dilation=(1, 1)) -> tuple[torch.Tensor, ...]:
    """The windows over the last two axes of ``padded`` (Tensor[..., H, W], already padded).

    ``out_hw`` is the output's (H', W'), ``window_hw`` the window's (kh, kw); ``stride`` and ``dilation`` are
    (h, w) pairs.

    Returns:
        windows: Tensor[..., H', W', kh, kw], the values under the window at every output cell.
        row_index: Tensor[H', kh], the rows of ``padded`` each output row's window covers.
        col_index: Tensor[W', kw], the same for the columns.

    >>> windows, rows, cols = sliding_windows(torch.arange(16.).reshape(4, 4), (2, 2), (2, 2), (2, 2))
    >>> windows[0, 1]
    tensor([[2., 3.],
            [6., 7.]])
    >>> rows.tolist(), cols.tolist()
    ([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    """
    (out_h, out_w), (kh, kw), (sh, sw), (dh, dw) = out_hw, window_hw, stride, dilation
    at = padded.device  # the indices live with the values they gather
    row_index = torch.arange(out_h, device=at)[:, None] * sh + torch.arange(kh, device=at)[None, :] * dh  # [H', kh]
    col_index = torch.arange(out_w, device=at)[:, None] * sw + torch.arange(kw, device=at)[None, :] * dw  # [W', kw]
    windows = padded[..., row_index[:, None, :, None], col_index[None, :, None, :]]  # [..., H', W', kh, kw]
    return windows, row_index, col_index
