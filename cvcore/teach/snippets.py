"""Runnable PyTorch code that reproduces a trace, for the labs' "PyTorch code" panels."""

from cvcore.conv import ConvTrace, TransposeTrace, VolumeTrace, format_number
from cvcore.conv.pooling import PoolTrace

__all__ = ["conv_snippet", "pool_snippet", "volume_snippet", "transpose_snippet"]


def _literal(t) -> str:
    rows = [", ".join(format_number(v) for v in row) for row in t.tolist()]
    return "[\n" + "".join(f"    [{row}],\n" for row in rows) + "]"


def _pair(p) -> str:
    return str(p[0]) if p[0] == p[1] else f"({p[0]}, {p[1]})"


def conv_snippet(trace: ConvTrace) -> str:
    """Code that computes ``trace.output`` with ``torch.nn.functional.conv2d``.

    >>> from cvcore.conv import conv_trace
    >>> code = conv_snippet(conv_trace([[1, 2], [3, 4]], [[1]]))
    >>> scope = {}; exec(code, scope); scope["out"].tolist()  # doctest: +ELLIPSIS
    tensor(...)
    [[1.0, 2.0], [3.0, 4.0]]
    """
    top, bottom, left, right = trace.padding
    lines = [
        "import torch",
        "import torch.nn.functional as F",
        "",
        f"x = torch.tensor({_literal(trace.input)}, dtype=torch.float64)",
        f"k = torch.tensor({_literal(trace.kernel)}, dtype=torch.float64)",
    ]
    if trace.flip:
        lines.append("k = torch.flip(k, dims=(0, 1))  # true convolution: rotate the kernel by 180 degrees")
    lines.append("x = x[None, None]  # [batch=1, channels=1, H, W]")
    pad_arg = ""
    if any(trace.padding):
        symmetric = top == bottom and left == right
        if trace.padding_mode == "zeros" and symmetric:
            pad_arg = f", padding={_pair((top, left))}"
        else:
            mode = "constant" if trace.padding_mode == "zeros" else trace.padding_mode
            lines.append(f"x = F.pad(x, ({left}, {right}, {top}, {bottom}), mode={mode!r})  # (left, right, top, bottom)")
    lines.append(
        f"out = F.conv2d(x, k[None, None], stride={_pair(trace.stride)}{pad_arg}, dilation={_pair(trace.dilation)})[0, 0]"
    )
    lines.append(f"print(out)  # shape {tuple(trace.output.shape)}")
    return "\n".join(lines) + "\n"


def pool_snippet(trace: PoolTrace) -> str:
    """Code that computes ``trace.output`` with ``max_pool2d`` / ``avg_pool2d``.

    >>> from cvcore.conv.pooling import pool_trace
    >>> scope = {}; exec(pool_snippet(pool_trace([[1, 2], [3, 4]], size=2)), scope); scope["out"].tolist()
    tensor([[4.]], dtype=torch.float64)
    [[4.0]]
    """
    fn = "F.max_pool2d" if trace.kind == "max" else "F.avg_pool2d"
    lines = ["import torch", "import torch.nn.functional as F", ""]
    if trace.output.ndim == 2:
        lines.append(f"x = torch.tensor({_literal(trace.input[0])}, dtype=torch.float64)")
        lines.append("x = x[None, None]  # [batch=1, channels=1, H, W]")
        index = "[0, 0]"
    else:
        channels = ",\n".join(_literal(c) for c in trace.input)
        lines.append(f"x = torch.tensor([\n{channels}\n], dtype=torch.float64)")
        lines.append("x = x[None]  # [batch=1, C, H, W]")
        index = "[0]"
    pad = f", padding={_pair(trace.padding)}" if any(trace.padding) else ""
    lines.append(f"out = {fn}(x, kernel_size={_pair(trace.size)}, stride={_pair(trace.stride)}{pad}){index}")
    lines.append(f"print(out)  # shape {tuple(trace.output.shape)}; pooling has no parameters")
    return "\n".join(lines) + "\n"


def volume_snippet(trace: VolumeTrace) -> str:
    """Code that computes ``trace.output`` with a (grouped) ``F.conv2d``, bias and ReLU.

    >>> from cvcore.conv import volume_conv_trace
    >>> import torch
    >>> t = volume_conv_trace(torch.ones(2, 3, 3), torch.ones(1, 2, 2, 2), torch.tensor([-1.0]), relu=True)
    >>> scope = {}; exec(volume_snippet(t), scope); scope["out"].tolist()
    torch.Size([1, 2, 2])
    [[[7.0, 7.0], [7.0, 7.0]]]
    """
    channels = [[[float(v) for v in row] for row in channel] for channel in trace.input.tolist()]
    groups = f", groups={trace.groups}" if trace.groups > 1 else ""
    lines = ["import torch", "import torch.nn.functional as F", "",
             f"x = torch.tensor({channels}, dtype=torch.float64)  # [C, H, W]",
             f"w = torch.tensor({trace.kernels.tolist()}, dtype=torch.float64)  # [filters, C/groups, f, f]",
             f"b = torch.tensor({trace.bias.tolist()}, dtype=torch.float64)",
             f"z = F.conv2d(x[None], w, b, stride={_pair(trace.stride)}, padding={_pair(trace.padding)}{groups})[0]"
             "  # [filters, H', W']",
             "out = F.relu(z)" if trace.relu else "out = z",
             f"print(out.shape)  # parameters: w.numel() + b.numel() = {trace.parameters}"]
    return "\n".join(lines) + "\n"


def transpose_snippet(trace: TransposeTrace) -> str:
    """Code that computes ``trace.output`` with ``F.conv_transpose2d``.

    >>> from cvcore.conv import conv_transpose_trace
    >>> t = conv_transpose_trace([[1.0, 2.0]], [[1.0, 1.0]], stride=2)
    >>> scope = {}; exec(transpose_snippet(t), scope); scope["out"].tolist()
    tensor([[1., 1., 2., 2.]], dtype=torch.float64)
    [[1.0, 1.0, 2.0, 2.0]]
    """
    return "\n".join([
        "import torch", "import torch.nn.functional as F", "",
        f"x = torch.tensor({trace.source.tolist()}, dtype=torch.float64)[None, None]",
        f"k = torch.tensor({trace.kernel.tolist()}, dtype=torch.float64)[None, None]",
        f"out = F.conv_transpose2d(x, k, stride={_pair(trace.up_stride)}, padding={_pair(trace.up_padding)}, "
        f"output_padding={_pair(trace.output_padding)}, dilation={_pair(trace.dilation)})[0, 0]",
        f"print(out)  # shape {tuple(trace.output.shape)}", ""])
