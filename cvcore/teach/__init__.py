"""What the course teaches with: its worked examples (``course``), runnable PyTorch snippets (``snippets``,
``model_snippets``) and grids typed as text (``grids``)."""
