"""Neural style transfer: the costs and the optimisation (``gatys``), the backbones' layers (``nets``), the style
images the app draws (``images``) and Gram matrices and rebuilds up close (``inspection``)."""
