"""Data sets that work offline: the generated shapes world (``shapes``) and the bundled handwritten digits
(``digits``)."""
