"""Networks as wholes: the classic architectures measured layer by layer, the learner's own layer list
(``builder``), training on the digits (``training``) and transfer learning from a pretrained backbone (``transfer``)."""
