"""Inside a trained CNN: intermediate activations (``features``), what single units respond to (``units``:
filters, receptive fields, top patches) and images synthesised to excite a unit (``maximize``)."""
