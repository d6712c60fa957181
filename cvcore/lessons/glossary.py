"""The course's vocabulary: each term with a short definition, the lab (by title) that shows it, and the other
spellings a lab's text uses for it (so a lab's first mention can link to the term's entry)."""

import re
from dataclasses import dataclass

__all__ = ["Term", "TERMS"]


@dataclass(frozen=True)
class Term:
    name: str
    definition: str
    lab: str  # the title of the lab in ``labs.LABS`` that shows it
    aliases: tuple[str, ...] = ()  # other ways the labs write it: plurals, short forms, PyTorch's class name

    @property
    def anchor(self) -> str:
        """The term's anchor on the glossary page: its name in lower case, words joined by '-'.

        >>> Term("IoU (intersection over union)", "", "").anchor, Term("1x1 convolution", "", "").anchor
        ('iou', '1x1-convolution')
        """
        name = self.name.split(" (")[0]
        return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

    @property
    def spellings(self) -> tuple[str, ...]:
        """The name (without a bracketed gloss, and what the bracket holds), then the aliases."""
        head, _, rest = self.name.partition(" (")
        return (head, *([rest.rstrip(")")] if rest else []), *self.aliases)


def _t(name: str, definition: str, lab: str, *aliases: str) -> Term:
    return Term(name, definition, lab, aliases)


TERMS = tuple(sorted((
    _t("Kernel (filter)", "A small grid of weights slid over the input; each position gives one output number.",
       "Convolution", "kernels", "filters"),
    _t("Padding", "Cells added around the input (usually zeros) so the border counts and the size can stay: "
       "p = (f - 1) / 2 for 'same'.", "Convolution", "padded"),
    _t("Stride", "How many cells the kernel moves between positions; stride s divides the output size by about s.",
       "Convolution", "strides", "strided"),
    _t("Output size", "floor((n + 2p - f) / s) + 1 cells per side for an n-wide input, f-wide kernel, padding p, "
       "stride s.", "Convolution"),
    _t("Edge detector", "A kernel whose weights sum to zero, such as 1 0 -1: flat regions give 0, changes in "
       "brightness light up.", "Convolution", "edge detectors", "edge filter", "edge filters"),
    _t("Sobel and Scharr filters", "Hand-designed 3x3 edge detectors: 1 0 -1 columns weighted 1 2 1 (Sobel) or "
       "3 10 3 (Scharr).", "Learning a filter", "Sobel", "Scharr"),
    _t("Max pooling", "Keep the largest value of each window; no parameters to learn, channels stay separate.",
       "Pooling", "max-pooling"),
    _t("Average pooling", "Keep the mean of each window.", "Pooling"),
    _t("Channel", "One of the stacked maps of a volume: R, G, B for a photo, one per filter after a layer.",
       "Convolution over volumes", "channels"),
    _t("Volume", "A stack of maps, n_H x n_W x n_C numbers: an RGB image, or the output of a layer of filters.",
       "Convolution over volumes", "volumes"),
    _t("Bias", "One learnable number per filter, added to every output of that filter before the activation.",
       "Convolution over volumes"),
    _t("ReLU", "max(0, z): the non-linearity applied after most convolutions.", "Convolution over volumes"),
    _t("ReLU6", "min(max(0, z), 6): ReLU capped at 6, MobileNetV2's activation.", "Inside a trained CNN"),
    _t("Activation", "What a layer outputs after its non-linearity; also the non-linearity itself (ReLU, tanh).",
       "Inside a trained CNN", "activations"),
    _t("1x1 convolution", "A convolution with f = 1: it mixes channels at each pixel, and can shrink their number.",
       "1x1, depthwise and separable", "pointwise", "1x1 convolutions"),
    _t("Depthwise convolution", "One f x f filter per input channel, each seeing only its own channel: "
       "groups = n_C.", "1x1, depthwise and separable", "depthwise"),
    _t("Grouped convolution", "The channels split into g groups, each with its own filters: g = 1 is standard, "
       "g = n_C depthwise.", "1x1, depthwise and separable", "grouped", "groups"),
    _t("Depthwise-separable convolution", "A depthwise f x f convolution (one filter per channel) followed by a 1x1 "
       "one: far fewer multiplications.", "1x1, depthwise and separable", "depthwise-separable", "separable"),
    _t("Bottleneck layer", "A 1x1 convolution that reduces the channels before an expensive layer, as in Inception.",
       "1x1, depthwise and separable", "bottleneck"),
    _t("Transposed convolution", "Grows a map: each input cell stamps a scaled kernel; output (n - 1)s - 2p + f.",
       "Transposed convolution", "transposed convolutions"),
    _t("Dilation", "Gaps of d - 1 cells between kernel weights: a window of d(f - 1) + 1 with the same weights.",
       "Dilated, 1-D and 3-D", "dilated"),
    _t("Receptive field", "The part of the input one output cell depends on; it grows with every layer.",
       "Dilated, 1-D and 3-D"),
    _t("Gradient descent", "Repeatedly moving the weights against the gradient of the loss, by a learning rate.",
       "Learning a filter"),
    _t("Back-propagation", "Working out the gradient of the loss for every weight, layer by layer from the output "
       "back, by the chain rule.", "Learning a filter", "backpropagation", "backprop"),
    _t("Learning rate", "The size of each gradient-descent step; too large and the loss grows.", "Learning a filter"),
    _t("SGD (stochastic gradient descent)", "Gradient descent on one mini-batch at a time; with momentum, each "
       "step also keeps part of the previous one.", "Learning a filter", "momentum"),
    _t("Adam", "An optimiser: gradient descent with a running mean of the gradients (momentum) and a step size "
       "per weight from their running square.", "Learning a filter"),
    _t("L-BFGS", "An optimiser that estimates the loss's curvature from its last steps; the original choice for "
       "style transfer.", "Neural style transfer"),
    _t("Parameter count", "The learnable numbers of a layer: (f·f·n_C + 1) x filters for a convolution.",
       "Architectures", "parameters"),
    _t("Multiply-adds", "The multiplications (each followed by an addition) a layer does for one image: its "
       "compute cost.", "Architectures", "multiply-add", "MACs"),
    _t("Residual block", "Two layers plus a shortcut that adds their input to their output: a[l+2] = g(z[l+2] + a[l]).",
       "Architectures", "residual blocks", "residual"),
    _t("Inverted residual block", "MobileNetV2's block: a 1x1 expansion, a depthwise 3x3, a linear 1x1 projection, "
       "and a shortcut between the narrow ends.", "Architectures", "inverted residual", "inverted residuals"),
    _t("Conv2dNormActivation", "torchvision's block of a Conv2d, a BatchNorm2d and an activation (ReLU6 in "
       "MobileNetV2), traced as one layer.", "Inside a trained CNN"),
    _t("ImageNet", "1.28 million photos in 1,000 classes: the data set the pretrained networks learned from.",
       "Inside a trained CNN"),
    _t("MobileNetV2", "A small ImageNet network of depthwise-separable inverted residual blocks; the app's "
       "offline default.", "Inside a trained CNN", "MobileNet"),
    _t("Batch normalisation", "Normalises each channel over the batch, then scales and shifts it with learned numbers.",
       "Build your own CNN", "batch norm", "batch normalization", "BatchNorm", "BatchNorm2d"),
    _t("Batch (mini-batch)", "The handful of examples the network sees in one training step; the loss is their "
       "mean.", "Build your own CNN", "batches", "batch size"),
    _t("Epoch", "One pass of training over every training example.", "Build your own CNN", "epochs"),
    _t("Fully connected layer", "Every input connected to every output unit: a matrix product plus a bias.",
       "Build your own CNN", "fully connected", "dense layer", "dense"),
    _t("Flatten", "Lays a volume out as one long vector, so that a fully connected layer can take it.",
       "Build your own CNN", "flattened"),
    _t("Dropout", "During training, sets a random fraction p of the activations to zero, so that no unit is "
       "relied on alone.", "Build your own CNN"),
    _t("Logits", "A classifier's raw class scores, before softmax turns them into probabilities.",
       "Inside a trained CNN", "logit"),
    _t("Softmax", "e^(z_i) / Σ_j e^(z_j): turns the logits into probabilities that add up to 1.",
       "Transfer learning"),
    _t("Cross-entropy", "The classification loss -log p of the probability given to the right class.",
       "Build your own CNN", "cross entropy"),
    _t("Validation set", "Examples held out of training, to measure how well the network does on images it has not "
       "learned from.", "Build your own CNN", "validation"),
    _t("Confusion matrix", "A table of true class (rows) against predicted class (columns): the diagonal is what "
       "the network gets right.", "Build your own CNN"),
    _t("Feature map", "The output of one filter of a layer: where in the image that filter responds.",
       "Inside a trained CNN", "feature maps"),
    _t("Class activation map", "A heatmap of where a network looked for a class, e.g. Grad-CAM from the last "
       "feature maps.", "Inside a trained CNN", "class-activation heatmaps", "class-activation heatmap",
       "class activation maps", "CAM"),
    _t("Grad-CAM", "A class activation map: the last feature maps weighted by the mean gradient of the class "
       "score, summed, then ReLU.", "Inside a trained CNN"),
    _t("Saliency map", "The gradient of the class score with respect to each pixel: which pixels would change it "
       "most.", "Inside a trained CNN", "saliency"),
    _t("Integrated Gradients", "Pixel attributions: the gradients averaged along a path from a blank image to the "
       "photo, times the difference.", "Inside a trained CNN"),
    _t("Target vector", "What a detector learns per image or grid cell: y = (p_c, b_x, b_y, b_h, b_w, c_1, ...).",
       "Localization and detection", "target vectors"),
    _t("Bounding box", "(x1, y1, x2, y2), or centre, height and width (b_x, b_y, b_h, b_w), around an object.",
       "Localization and detection", "bounding boxes"),
    _t("IoU (intersection over union)", "Area of overlap divided by area of union of two boxes or masks; "
       "1 is a perfect match.", "Localization and detection"),
    _t("Non-max suppression", "Keep the best-scoring box, drop boxes that overlap it above an IoU threshold, repeat.",
       "Localization and detection", "NMS", "non-maximum suppression"),
    _t("Anchor box", "A preset box shape per grid cell; an object goes to the anchor whose shape it overlaps most.",
       "Localization and detection", "anchor boxes"),
    _t("Sliding window", "Run a classifier on every crop of the image at a given stride.", "Localization and detection",
       "sliding windows"),
    _t("YOLO", "'You only look once': one network pass predicts a target vector for every grid cell and anchor.",
       "Localization and detection"),
    _t("Semantic segmentation", "A class label for every pixel.", "Segmentation"),
    _t("Instance segmentation", "A label for every pixel that also tells objects of the same class apart.",
       "Segmentation"),
    _t("U-Net", "An encoder that shrinks the image, a decoder that grows it back, with skip connections between them.",
       "Segmentation", "encoder", "decoder"),
    _t("Transfer learning", "Reuse a network trained on a large data set; train only a new head, or fine-tune.",
       "Transfer learning"),
    _t("Fine-tuning", "Training some pretrained layers further, with a small learning rate.", "Transfer learning",
       "fine-tune", "fine-tuned"),
    _t("Freezing", "Keeping a pretrained layer's weights fixed while the rest trains.", "Transfer learning",
       "freeze", "frozen"),
    _t("Content cost", "How different two images' activations are at one layer: the 'what' of a picture.",
       "Neural style transfer", "J_content"),
    _t("Gram matrix", "The correlations between a layer's channels, G = A Aᵀ: the 'style' of a picture.",
       "Neural style transfer", "Gram matrices"),
    _t("Style cost", "How different two images' Gram matrices are, summed over several layers.",
       "Neural style transfer", "J_style"),
    _t("Embedding", "The vector a network maps an input to (128 numbers for a face), compared by distance.",
       "Face verification", "embeddings"),
    _t("Siamese network", "The same network applied to two images; compare their embeddings.", "Face verification",
       "Siamese"),
    _t("One-shot learning", "Recognising a person from a single photo: compare embeddings instead of training a "
       "class per person.", "Face verification", "one-shot"),
    _t("Triplet loss", "max(‖f(A) - f(P)‖² - ‖f(A) - f(N)‖² + α, 0): the anchor nearer the positive than the "
       "negative, by a margin α.", "Face verification"),
    _t("Verification threshold", "Two faces are the same person when their embeddings are closer than τ.",
       "Face verification"),
    _t("ROC curve", "True accepts against false accepts as a threshold sweeps: how well scores separate two groups.",
       "Face verification", "ROC"),
), key=lambda t: t.name.lower()))
