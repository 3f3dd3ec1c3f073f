import LoupeTensor

/// Per-image convolution kernels for training (`LoupeTraining`): forward, input gradient and
/// weight gradient on the 8x32 micro-kernel, with caller-provided scratch (no allocation) and
/// weights packed by the caller once per step (they change every step, unlike ``Conv2D``'s).
///
/// One call handles one image on one thread; a training step spreads images over threads.
/// Nothing here depends on which thread runs which image, so results are the same bits for
/// any thread count. Shapes: input `(Cin, H, W)`, weights `(Cout, Cin, k, k)`, output
/// `(Cout, OH, OW)`, `K = Cin*k*k`, `N = OH*OW`; groups must be 1.
///
/// - Forward (`f32-conv-im2colpanel-avx512-8x32`): im2col written straight into 32-pixel B panels
///   (the inference packer), `Y = W·col`.
/// - Input gradient, stride 1 and `padding <= k-1`: a forward convolution of `dY` with the weights
///   transposed and flipped (``inputGradientGeometry(_:)``), so no col2im at all.
///   Otherwise (stride 2 and others): per 32-pixel panel `dcol = Wᵀ·dY` then scattered (col2im).
/// - Weight gradient (`f32-conv-dw-nhwc-avx512-8x32`): the image is copied once into a padded
///   channels-last buffer; then for a fixed kernel row `ky` and output pixel, the taps
///   `(kx, ic)` are `k*Cin` consecutive floats, and for consecutive output pixels of a row they
///   sit `stride*Cin` floats apart. The micro-kernel therefore runs with depth = output pixels,
///   A = 8 rows of `dY` (broadcast straight from NCHW), B = those strips (read in place, no
///   packing), C = an 8 x 32 tile of a per-image partial `(Cout, k, S)`, `S = roundUp(k*Cin, 32)`.
///   ``reduceWeightGradients`` sums the partials over images in image order.
///
/// Files: `+Forward`, `+InputGradient`, `+WeightGradient`.
public enum ConvTrainingKernels {
    @inline(__always)
    static func depth(_ g: ConvGeometry) -> Int { g.inChannels * g.kernel * g.kernel }
}
