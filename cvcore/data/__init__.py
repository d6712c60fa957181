"""Data sets that work offline: the generated shapes world (``shapes``), the bundled handwritten digits
(``digits``), drawings on the page's canvas turned into network inputs (``drawn``), digits drawn as the canvas's pen
strokes (``strokes``) and the bundled digits redrawn like them for training (``augment``)."""
