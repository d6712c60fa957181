"""The Learning-a-filter lab: settings, the training loop with live progress, and the result."""

import time

import plotly.graph_objects as go
import streamlit as st
import torch

from cvcore.teach import grids
from cvcore import images
from cvcore.conv import kernels
from cvcore.conv import format_number
from cvcore.errors import CvcoreError
from cvcore.conv.learn import learn_kernel
from cvcore.viz import grid_heatmap
from ui.figures import show_chart
from ui import jobs, state
from ui.code import code_expander

__all__ = ["NS", "DEFAULTS", "CHOICES", "LIMITS", "settings", "request_training", "training_requested", "train", "result"]

NS = "learn"
_TARGETS = ["sobel_x", "sobel_y", "scharr_x", "vertical_edge", "horizontal_edge", "laplacian", "sharpen", "emboss", "custom"]
DEFAULTS = {"pic": "camera", "size": 96, "target": "sobel_x", "tgrid": "0,1,0/1,-4,1/0,1,0", "steps": 300, "lr": 0.1,
            "opt": "sgd", "seed": 0}
CHOICES = {"pic": list(images.sample_names()), "target": _TARGETS, "opt": ["sgd", "adam"], "size": [48, 64, 96, 128]}
LIMITS = {"steps": (10, 3000), "lr": (0.001, 3.0), "seed": (0, 10_000)}
_RESULT = "learn._result"  # small lists only: the loss history and the kernels
_CHART = {"displayModeBar": False}


def _k(name: str) -> str:
    return state.key(NS, name)


def settings() -> "tuple[torch.Tensor, torch.Tensor, dict] | None":
    """(image Tensor[n, n], target Tensor[3, 3], optimiser settings), or None after an error."""
    catalog = kernels.kernel_catalog()
    samples = images.sample_names()
    a, b, c = st.columns(3)
    with a:
        st.selectbox("Photo", list(samples), key=_k("pic"), format_func=samples.get)
        st.select_slider("Crop size", [48, 64, 96, 128], key=_k("size"))
    with b:
        target_name = st.selectbox("Target kernel", _TARGETS, key=_k("target"),
                                   format_func=lambda n: catalog[n].label if n in catalog else "My own 3x3 kernel")
        if target_name == "custom":
            st.text_input("Target (rows separated by /)", key=_k("tgrid"))
    with c:
        st.number_input("Steps", 10, 3000, key=_k("steps"))
        st.number_input("Learning rate", 0.001, 3.0, key=_k("lr"), format="%.3f")
        st.radio("Optimiser", ["sgd", "adam"], key=_k("opt"), horizontal=True,
                 format_func={"sgd": "SGD + momentum", "adam": "Adam"}.get)
        st.number_input("Seed of the random start", 0, 10_000, key=_k("seed"))
    try:
        target = (grids.parse_grid_text(state.get(NS, "tgrid"), "target") if target_name == "custom"
                  else kernels.make_kernel(target_name))
    except CvcoreError as exc:
        st.error(str(exc))
        return None
    if target.shape != (3, 3):
        st.error(f"the target must be 3x3, got {target.shape[0]}x{target.shape[1]}")
        return None
    image = images.gray_crop(images.sample_image(state.get(NS, "pic")), int(state.get(NS, "size")))
    opts = {"steps": int(state.get(NS, "steps")), "lr": float(state.get(NS, "lr")), "optimizer": state.get(NS, "opt"),
            "seed": int(state.get(NS, "seed"))}
    return image, target, opts


def request_training() -> None:
    """The Train button's callback: a flag the next run consumes (callbacks survive any rerun)."""
    st.session_state["learn._go"] = True


def training_requested() -> bool:
    return bool(st.session_state.pop("learn._go", False))


def _loss_figure(losses: "list[float]") -> go.Figure:
    fig = go.Figure(go.Scatter(x=list(range(1, len(losses) + 1)), y=losses, mode="lines", line={"color": "#e4572e"}))
    fig.update_layout(title="Loss (mean squared difference from the target's output)", xaxis_title="step",
                      yaxis_title="loss (log scale)", yaxis_type="log", height=300, margin={"t": 40, "b": 40, "l": 50, "r": 10})
    return fig


def train(image: torch.Tensor, target: torch.Tensor, opts: dict) -> None:
    """Run the optimisation, drawing progress live; the result (small lists) goes to session state."""
    bar = st.progress(0.0, text="Starting ...")
    chart, kernel_slot = st.empty(), st.empty()
    losses: "list[float]" = []
    start, last_draw = time.perf_counter(), 0.0
    try:
        for record in jobs.limited(learn_kernel(image, target, **opts), "Learning a filter"):
            losses.append(record.loss)
            st.session_state[_RESULT] = {"losses": losses, "kernel": record.kernel.tolist(), "target": target.tolist(),
                                         "seconds": time.perf_counter() - start, "diverged": record.diverged,
                                         "steps": opts["steps"]}
            now = time.perf_counter()
            if now - last_draw > 0.25 or record.step == opts["steps"] or record.diverged:
                last_draw = now
                bar.progress(record.step / opts["steps"], text=f"Step {record.step} of {opts['steps']}: loss {record.loss:.3g}")
                chart.plotly_chart(_loss_figure(losses), config=_CHART, key=f"learn_live_{record.step}")
                kernel_slot.plotly_chart(grid_heatmap(record.kernel.double(), title=f"Kernel after step {record.step}",
                                                      colors="signed", zmid=0.0), config=_CHART, key=f"learn_k_{record.step}")
    except CvcoreError as exc:
        st.error(str(exc))
    finally:
        bar.empty()
        chart.empty()
        kernel_slot.empty()


def result() -> None:
    """The last run (or the part of it done before Stop): curve, learned vs target, the nine numbers."""
    run = st.session_state.get(_RESULT)
    if not run:
        st.info("Press **Train** to start from random numbers and watch them become the target kernel.")
        return
    steps_done = len(run["losses"])
    if run["diverged"]:
        st.error(f"The loss exploded at step {steps_done}: the learning rate is too high. Lower it and train again.")
    elif steps_done < run["steps"]:
        st.warning(f"Stopped after {steps_done} of {run['steps']} steps.")
    learned, target = torch.tensor(run["kernel"], dtype=torch.float64), torch.tensor(run["target"], dtype=torch.float64)
    show_chart(st, _loss_figure(run["losses"]), config=_CHART, key="learn_loss")
    a, b, c = st.columns([1, 1, 1.4])
    show_chart(a, grid_heatmap(learned, title="Learned", colors="signed", zmid=0.0), config=_CHART, key="learn_learned",
                   width="content")
    show_chart(b, grid_heatmap(target, title="Target", colors="signed", zmid=0.0), config=_CHART, key="learn_target",
                   width="content")
    with c:
        gap = float((learned - target).abs().max())
        st.metric("Largest difference from the target", format_number(gap))
        st.metric("Speed", f"{steps_done / max(run['seconds'], 1e-9):,.0f} steps/s",
                  help=f"{steps_done} steps in {run['seconds']:.2f} s on this server")
        st.caption("The nine numbers were never told to the network: it only saw the image and the target's output, "
                   "and gradient descent found them.")
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
