"""Networks as wholes: the classic architectures measured layer by layer, the learner's own layer list
(``builder``), training on the digits (``training``), a trained network kept as bytes and rebuilt in another lab
(``trained``) and transfer learning from a pretrained backbone (``transfer``)."""
