/// A dense float tensor in row-major order with an explicit shape, e.g. `[N, C, H, W]`.
///
/// Loupe's image tensors are NCHW (batch, channels, height, width). The storage is an
/// ``AlignedBuffer`` so a tensor can be handed straight to the SIMD kernels.
public struct Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public let storage: AlignedBuffer

    /// A zero-filled tensor of the given shape.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        storage = AlignedBuffer(count: shape.reduce(1, *))
    }

    /// A tensor holding `values`; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "Tensor: shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        storage = AlignedBuffer(values)
    }

    public var count: Int { storage.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var values: [Float] { storage.array }

    public subscript(flat index: Int) -> Float {
        get { storage.pointer[index] }
        nonmutating set { storage.pointer[index] = newValue }
    }

    /// The same storage seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "Tensor.reshaped: \(shape) -> \(newShape) changes the element count")
        var copy = self
        copy.shape = newShape
        return copy
    }
}
