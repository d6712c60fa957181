"""The course's vocabulary: each term with a short definition and the lab (by title) that shows it."""

from dataclasses import dataclass

__all__ = ["Term", "TERMS"]


@dataclass(frozen=True)
class Term:
    name: str
    definition: str
    lab: str  # the title of the lab in ``labs.LABS`` that shows it


TERMS = tuple(sorted((
    Term("Kernel (filter)", "A small grid of weights slid over the input; each position gives one output number.",
         "Convolution"),
    Term("Padding", "Cells added around the input (usually zeros) so the border counts and the size can stay: "
         "p = (f - 1) / 2 for 'same'.", "Convolution"),
    Term("Stride", "How many cells the kernel moves between positions; stride s divides the output size by about s.",
         "Convolution"),
    Term("Output size", "floor((n + 2p - f) / s) + 1 cells per side for an n-wide input, f-wide kernel, padding p, "
         "stride s.", "Convolution"),
    Term("Edge detector", "A kernel whose weights sum to zero, such as 1 0 -1: flat regions give 0, changes in "
         "brightness light up.", "Convolution"),
    Term("Max pooling", "Keep the largest value of each window; no parameters to learn, channels stay separate.",
         "Pooling"),
    Term("Average pooling", "Keep the mean of each window.", "Pooling"),
    Term("Channel", "One of the stacked maps of a volume: R, G, B for a photo, one per filter after a layer.",
         "Convolution over volumes"),
    Term("Bias", "One learnable number per filter, added to every output of that filter before the activation.",
         "Convolution over volumes"),
    Term("ReLU", "max(0, z): the non-linearity applied after most convolutions.", "Convolution over volumes"),
    Term("1x1 convolution", "A convolution with f = 1: it mixes channels at each pixel, and can shrink their number.",
         "1x1, depthwise and separable"),
    Term("Depthwise-separable convolution", "A depthwise f x f convolution (one filter per channel) followed by a 1x1 "
         "one: far fewer multiplications.", "1x1, depthwise and separable"),
    Term("Bottleneck layer", "A 1x1 convolution that reduces the channels before an expensive layer, as in Inception.",
         "1x1, depthwise and separable"),
    Term("Transposed convolution", "Grows a map: each input cell stamps a scaled kernel; output (n - 1)s - 2p + f.",
         "Transposed convolution"),
    Term("Dilation", "Gaps of d - 1 cells between kernel weights: a window of d(f - 1) + 1 with the same weights.",
         "Dilated, 1-D and 3-D"),
    Term("Receptive field", "The part of the input one output cell depends on; it grows with every layer.",
         "Dilated, 1-D and 3-D"),
    Term("Gradient descent", "Repeatedly moving the weights against the gradient of the loss, by a learning rate.",
         "Learning a filter"),
    Term("Learning rate", "The size of each gradient-descent step; too large and the loss grows.", "Learning a filter"),
    Term("Parameter count", "The learnable numbers of a layer: (f·f·n_C + 1) x filters for a convolution.",
         "Architectures"),
    Term("Residual block", "Two layers plus a shortcut that adds their input to their output: a[l+2] = g(z[l+2] + a[l]).",
         "Architectures"),
    Term("Batch normalisation", "Normalises each channel over the batch, then scales and shifts it with learned numbers.",
         "Build your own CNN"),
    Term("Fully connected layer", "Every input connected to every output unit: a matrix product plus a bias.",
         "Build your own CNN"),
    Term("Feature map", "The output of one filter of a layer: where in the image that filter responds.",
         "Inside a trained CNN"),
    Term("Class activation map", "A heatmap of where a network looked for a class, e.g. Grad-CAM from the last "
         "feature maps.", "Inside a trained CNN"),
    Term("Bounding box", "(x1, y1, x2, y2), or centre, height and width (b_x, b_y, b_h, b_w), around an object.",
         "Localization and detection"),
    Term("IoU (intersection over union)", "Area of overlap divided by area of union of two boxes or masks; "
         "1 is a perfect match.", "Localization and detection"),
    Term("Non-max suppression", "Keep the best-scoring box, drop boxes that overlap it above an IoU threshold, repeat.",
         "Localization and detection"),
    Term("Anchor box", "A preset box shape per grid cell; an object goes to the anchor whose shape it overlaps most.",
         "Localization and detection"),
    Term("Sliding window", "Run a classifier on every crop of the image at a given stride.", "Localization and detection"),
    Term("Semantic segmentation", "A class label for every pixel.", "Segmentation"),
    Term("U-Net", "An encoder that shrinks the image, a decoder that grows it back, with skip connections between them.",
         "Segmentation"),
    Term("Transfer learning", "Reuse a network trained on a large data set; train only a new head, or fine-tune.",
         "Transfer learning"),
    Term("Fine-tuning", "Training some pretrained layers further, with a small learning rate.", "Transfer learning"),
    Term("Content cost", "How different two images' activations are at one layer: the 'what' of a picture.",
         "Neural style transfer"),
    Term("Gram matrix", "The correlations between a layer's channels, G = A Aᵀ: the 'style' of a picture.",
         "Neural style transfer"),
    Term("Style cost", "How different two images' Gram matrices are, summed over several layers.",
         "Neural style transfer"),
    Term("Siamese network", "The same network applied to two images; compare their embeddings.", "Face verification"),
    Term("Triplet loss", "max(‖f(A) - f(P)‖² - ‖f(A) - f(N)‖² + α, 0): the anchor nearer the positive than the "
         "negative, by a margin α.", "Face verification"),
    Term("Verification threshold", "Two faces are the same person when their embeddings are closer than τ.",
         "Face verification"),
), key=lambda t: t.name.lower()))
