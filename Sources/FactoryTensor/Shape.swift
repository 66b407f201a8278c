// Shape arithmetic: element counts, contiguous strides, axis normalisation and NumPy
// broadcasting rules. Pure functions on [Int]; no storage, no kernels.

/// Helpers for shapes (`[Int]`, outermost axis first).
public enum Shape {
    /// The number of elements of a tensor of this shape (1 for a scalar).
    @inlinable
    public static func count(_ shape: [Int]) -> Int {
        var product = 1
        for dimension in shape { product *= dimension }
        return product
    }

    /// Row-major (C order) strides for `shape`.
    @inlinable
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= Swift.max(shape[axis], 1)
        }
        return strides
    }

    /// Maps a possibly negative axis (`-1` is the last) into `0..<rank`.
    @inlinable
    public static func normalize(axis: Int, rank: Int, operation: String) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < Swift.max(rank, 1),
                     "\(operation): axis \(axis) is out of range for rank \(rank)")
        return resolved
    }

    /// Normalises, sorts and de-duplicates a list of axes.
    public static func normalize(axes: [Int], rank: Int, operation: String) -> [Int] {
        let resolved = axes.map { normalize(axis: $0, rank: rank, operation: operation) }
        let sorted = Array(Set(resolved)).sorted()
        precondition(sorted.count == resolved.count, "\(operation): repeated axis in \(axes)")
        return sorted
    }

    /// The NumPy broadcast of two shapes, or a precondition failure naming both.
    public static func broadcast(_ a: [Int], _ b: [Int], operation: String) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for index in 0..<rank {
            let da = index < rank - a.count ? 1 : a[index - (rank - a.count)]
            let db = index < rank - b.count ? 1 : b[index - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1,
                         "\(operation): shapes \(a) and \(b) cannot be broadcast together")
            result[index] = da == 1 ? db : da
        }
        return result
    }

    /// Strides that read a tensor of `shape`/`strides` as if it had `target` shape
    /// (stride 0 on broadcast axes).
    public static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        let lead = target.count - shape.count
        precondition(lead >= 0, "broadcast: \(shape) has more axes than \(target)")
        var result = [Int](repeating: 0, count: target.count)
        for axis in 0..<shape.count {
            if shape[axis] == target[axis + lead] {
                result[axis + lead] = strides[axis]
            } else {
                precondition(shape[axis] == 1, "broadcast: \(shape) cannot be broadcast to \(target)")
                result[axis + lead] = 0
            }
        }
        return result
    }
}
