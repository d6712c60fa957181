from cvcore.teach import snippets
from labs.transposed import views as lab
from labs.transposed.settings import TransposedSettings
from ui import state
from ui.code import code_expander
from ui.page import part, start_lab
from ui.stepper import step_view

start_lab(
    TransposedSettings,
    "Transposed convolution",
    "A strided convolution makes a map **smaller**; a **transposed convolution** makes it **larger** (decoders, "
    "segmentation, generators). Step through it two ways: as zeros inserted between the input cells followed by an "
    "ordinary convolution, or as each input cell stamping a scaled copy of the kernel into the output.",
)


@part(TransposedSettings)
def body() -> None:
    x, k, values = lab.controls()
    if x is None or k is None:
        state.stop(TransposedSettings)
    lab.size_formula(x, k, values)
    trace = lab.trace_or_error(x, k, values)
    if trace is None:
        state.stop(TransposedSettings)

    if values.view == "stuffed":
        n_steps, panel, reveals = trace.output.numel(), lambda i: lab.stuffed_panel(trace, i), ("out_side",)
    else:  # one step per input cell: the count says nothing about the output
        n_steps, panel, reveals = trace.source.numel(), lambda i: lab.scatter_panel(trace, i), ()
    step_view(TransposedSettings, "step", n_steps, panel, count_facts=reveals)

    lab.explain()
    code_expander(lambda: snippets.transpose_snippet(trace), filename="transposed_convolution.py")
    lab.check(trace)


body()
