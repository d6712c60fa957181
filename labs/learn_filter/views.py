"""The Learning-a-filter lab: settings, the training run with live progress (``ui.live_job``), and the result.

The run is paced (the Speed setting): its 300 steps take a second or less to compute, so the worker hands them to the
page at 25 (or 10) steps a second, and each poll of the live view draws a new kernel and a longer loss curve. The
steps themselves are the same at every speed."""

import streamlit as st
import torch

from cvcore import images
from cvcore.cluster import Job
from cvcore.conv import format_number, kernels
from cvcore.conv.learn import learn_kernel
from cvcore.errors import CvcoreError
from cvcore.teach import grids
from cvcore.viz.learn import exact_rows, kernel_figure, loss_figure
from labs.learn_filter.settings import LearnSettings as S
from ui.code import code_expander
from ui.figures import show_chart
from ui.live_job import LiveJob

__all__ = ["TRAINING", "training_controls", "train", "result"]

TRAINING = LiveJob("learn", "Learning a filter", kept="the progress so far is kept")
_RESULT = "learn._result"  # small lists only: the loss history and the kernels
_CHART = {"displayModeBar": False}


def training_controls() -> tuple[torch.Tensor, torch.Tensor, dict, float | None] | None:
    """(image Tensor[n, n], target Tensor[3, 3], ``learn_kernel`` keyword arguments, steps drawn per second), or None
    after an error. A change of speed applies to a run in progress."""
    a, b, c = st.columns(3)
    with a:
        S.widget("pic")
        S.widget("size")
        S.widget("speed")
    with b:
        target_name = S.widget("target")
        if target_name == "custom":
            S.widget("tgrid")
    with c:
        S.widget("steps")
        S.widget("lr", format="%.3f")
        S.widget("opt", horizontal=True)
        S.widget("seed")
    values = S.current()
    TRAINING.set_rate(values.rate)
    try:
        target = (grids.parse_grid_text(values.tgrid, "target") if target_name == "custom"
                  else kernels.make_kernel(target_name))
    except CvcoreError as exc:
        st.error(str(exc))
        return None
    if target.shape != (3, 3):
        st.error(f"the target must be 3x3, got {target.shape[0]}x{target.shape[1]}")
        return None
    image = images.gray_crop(images.sample_image(values.pic), int(values.size))
    return image, target, values.train_kwargs, values.rate


def train(image: torch.Tensor, target: torch.Tensor, opts: dict, rate: float | None = None) -> None:
    """Run the optimisation, drawing progress live at ``rate`` steps per second (None: as fast as it computes); the
    result (small lists) goes to session state."""
    steps = opts["steps"]
    losses: list[float] = []

    def keep(record) -> None:
        losses.append(record.loss)
        st.session_state[_RESULT] = {"losses": losses, "kernel": record.kernel.tolist(), "target": target.tolist(),
                                     "seconds": record.seconds, "diverged": record.diverged, "steps": steps}

    def draw(record, slot) -> None:  # each poll: the same two elements, updated (a paced run draws a few steps more)
        with slot.container():
            show_chart(st, loss_figure(losses, steps=steps), config=_CHART, key="learn_live_loss")
            show_chart(st, kernel_figure(record.kernel, title=f"Kernel after step {record.step}"), config=_CHART,
                       key="learn_live_kernel", width="content")

    TRAINING.run(learn_kernel(image, target, **opts), total=steps, step=lambda r: r.step,
                 text=lambda r: f"Step {r.step} of {steps}: loss {r.loss:.3g}", keep=keep, draw=draw,
                 job=Job.of(learn_kernel, image=image, target=target, **opts), rate=rate)


def result() -> None:
    """The last run (or the part of it done before Stop): curve, learned vs target, the nine numbers."""
    if TRAINING.running:  # the live view above shows the run until it ends
        return
    run = st.session_state.get(_RESULT)
    if not run:
        st.info("Press **Train** to start from random numbers and watch them become the target kernel.")
        return
    steps_done = len(run["losses"])
    outcome = TRAINING.outcome()
    if run["diverged"]:
        st.error(f"The loss exploded at step {steps_done}: the learning rate is too high. Lower it and train again.")
    elif outcome is not None and outcome.stopped:
        st.warning(f"Stopped after {outcome.step} of {outcome.steps} steps.")
    learned, target = torch.tensor(run["kernel"], dtype=torch.float64), torch.tensor(run["target"], dtype=torch.float64)
    show_chart(st, loss_figure(run["losses"], steps=run["steps"]), config=_CHART, key="learn_loss")
    a, b, c = st.columns([1, 1, 1.4])
    show_chart(a, kernel_figure(learned, title="Learned"), config=_CHART, key="learn_learned", width="content")
    show_chart(b, kernel_figure(target, title="Target"), config=_CHART, key="learn_target", width="content")
    with c:
        gap = float((learned - target).abs().max())
        st.metric("Largest difference from the target", format_number(gap))
        st.metric("Computed at", f"{steps_done / max(run['seconds'], 1e-9):,.0f} steps/s",
                  help=f"{steps_done} steps computed in {run['seconds']:.3f} s on the server, not counting the pauses "
                       "that let the steps be watched (the Speed setting)")
        st.caption("The nine numbers were never told to the network: it only saw the image and the target's output, "
                   "and gradient descent found them.")
    with st.expander("The nine numbers, exact (the grids round them to fit their cells)"):
        st.dataframe(exact_rows(learned, target), hide_index=True, key="learn_exact")
    code_expander(_snippet(run), filename="learn_filter.py")


def _snippet(run: dict) -> str:
    return "\n".join([
        "import torch", "import torch.nn.functional as F", "",
        "image = torch.rand(1, 1, 96, 96)  # any grayscale image; the lab uses a crop of a photo",
        "image = (image - image.mean()) / image.std()",
        f"target = torch.tensor({run['target']})[None, None]",
        "wanted = F.conv2d(image, target)",
        "kernel = torch.randn(1, 1, 3, 3, requires_grad=True)",
        "opt = torch.optim.SGD([kernel], lr=0.1, momentum=0.9)",
        f"for step in range({run['steps']}):",
        "    opt.zero_grad()",
        "    loss = F.mse_loss(F.conv2d(image, kernel), wanted)",
        "    loss.backward()",
        "    opt.step()",
        "print(kernel.detach().squeeze().round(decimals=3))", ""])
