"""Object localization and detection: boxes (IoU, NMS), the target vector and its loss (``localization``),
sliding windows, the tiny YOLO, detection metrics (``metrics``), COCO detectors, and segmentation."""
