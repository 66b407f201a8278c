// PrincipalAxes: the principal axes of a set of points — their mean and covariance (one GEMM,
// of all the points or of an evenly spaced sample), and the eigenvectors of a small symmetric
// matrix (Householder tridiagonalisation and implicit QL, in Double), sorted by decreasing
// eigenvalue: an orthogonal basis, to rotate points onto their principal axes without
// changing their distances. CoresetSelection uses it so that partial distances over
// the leading coordinates prune early; NearestNeighbourIndex, for its lower bounds. Meant for
// dimensions up to a few hundred (O(d³)). Not here: what the callers do with the axes.

import FactoryKit

/// Principal axes of points, and eigen-decomposition of symmetric matrices.
public enum PrincipalAxes {
    /// The mean of `rows` points of `dimensions` values (row-major), the points minus that
    /// mean, and their covariance (the centred points' Gram matrix `XᵀX`, not divided by the
    /// count, symmetrised; `dimensions²` values, row-major).
    public static func centredCovariance(_ values: [Float], rows: Int, dimensions: Int) -> (mean: [Float], centred: [Float], covariance: [Double]) {
        precondition(rows > 0 && dimensions > 0 && values.count == rows * dimensions, "centredCovariance: \(values.count) values are not \(rows) rows of \(dimensions)")
        var sums = [Double](repeating: 0, count: dimensions)
        for row in 0..<rows { for column in 0..<dimensions { sums[column] += Double(values[row * dimensions + column]) } }
        let mean = sums.map { Float($0 / Double(rows)) }
        var centred = values
        for row in 0..<rows { for column in 0..<dimensions { centred[row * dimensions + column] -= mean[column] } }
        return (mean, centred, gram(centred, rows: rows, dimensions: dimensions))
    }

    /// The mean of all `rows` points of `dimensions` values (row-major, at `values`) and the
    /// covariance of an evenly spaced sample of at most `sampleRows` of them (every row when
    /// there are no more): the sample's Gram matrix about the mean of all points (not divided
    /// by the count, symmetrised; `dimensions²` values, row-major).
    ///
    /// For the principal axes of many points: a few thousand rows per hundred dimensions
    /// estimate the leading axes about as well as all of them, and any orthonormal basis keeps
    /// distances — a sample only moves which axes lead, a little. On the defect-fit
    /// benchmark's 156,800 x 152 features, the whole Gram matrix cost more than choosing the
    /// first hundred coreset centres.
    public static func meanAndSampledCovariance(_ values: UnsafePointer<Float>, rows: Int, dimensions: Int,
                                                sampleRows: Int) -> (mean: [Float], covariance: [Double]) {
        precondition(rows > 0 && dimensions > 0, "meanAndSampledCovariance: \(rows) rows of \(dimensions) values")
        precondition(sampleRows > 0, "meanAndSampledCovariance: sampleRows must be positive, got \(sampleRows)")
        var sums = [Double](repeating: 0, count: dimensions)
        sums.withUnsafeMutableBufferPointer { sums in
            let sums = sums.baseAddress!
            for row in 0..<rows {
                let values = values + row * dimensions
                for column in 0..<dimensions { sums[column] += Double(values[column]) }
            }
        }
        let mean = sums.map { Float($0 / Double(rows)) }
        let sampled = Swift.min(rows, sampleRows)
        var centred = [Float](repeating: 0, count: sampled * dimensions)
        for sample in 0..<sampled {
            // Row ⌊sample · rows / sampled⌋: evenly spaced, every row when sampled == rows.
            let row = values + (sample * rows / sampled) * dimensions
            for column in 0..<dimensions { centred[sample * dimensions + column] = row[column] - mean[column] }
        }
        return (mean, gram(centred, rows: sampled, dimensions: dimensions))
    }

    /// `XᵀX` of the `rows x dimensions` matrix `x` (one GEMM), symmetrised, in Double.
    static func gram(_ x: [Float], rows: Int, dimensions: Int) -> [Double] {
        var product = [Float](repeating: 0, count: dimensions * dimensions)
        x.withUnsafeBufferPointer { x in
            product.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(rows: dimensions, columns: dimensions, depth: rows,
                          MatrixOperand(pointer: x.baseAddress!, leadingDimension: dimensions, transposed: true),
                          MatrixOperand(pointer: x.baseAddress!, leadingDimension: dimensions, transposed: false),
                          c.baseAddress!, leadingDimension: dimensions)
            }
        }
        var covariance = [Double](repeating: 0, count: dimensions * dimensions)
        for row in 0..<dimensions {
            for column in 0..<dimensions {
                covariance[row * dimensions + column] = (Double(product[row * dimensions + column]) + Double(product[column * dimensions + row])) / 2
            }
        }
        return covariance
    }

    /// The eigenvalues and eigenvectors of the symmetric `matrix` (`dimensions²` values,
    /// row-major; only symmetric input is meaningful): Householder reduction to tridiagonal
    /// form, then the implicit QL algorithm with Wilkinson-style shifts (EISPACK's tred2 and
    /// tql2, as in JAMA), accumulating the transformations — about 6 n³ flops, several times
    /// fewer than cyclic Jacobi sweeps (about 0.13 s at n = 152 before).
    /// - Returns: `values` in decreasing order and `vectors` (`dimensions²`, row-major) whose
    ///   column k is the unit eigenvector of `values[k]`; the columns are orthonormal.
    public static func symmetricEigen(_ matrix: [Double], dimensions: Int) -> (values: [Double], vectors: [Double]) {
        let n = dimensions
        precondition(n > 0 && matrix.count == n * n, "symmetricEigen: \(matrix.count) values are not a \(n)x\(n) matrix")
        var v = matrix
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        v.withUnsafeMutableBufferPointer { vBuffer in
            d.withUnsafeMutableBufferPointer { dBuffer in
                e.withUnsafeMutableBufferPointer { eBuffer in
                    let v = vBuffer.baseAddress!, d = dBuffer.baseAddress!, e = eBuffer.baseAddress!
                    tridiagonalise(v, d, e, n)
                    diagonaliseTridiagonal(v, d, e, n)
                }
            }
        }
        let order = (0..<n).sorted { d[$0] > d[$1] || (d[$0] == d[$1] && $0 < $1) }
        var vectors = [Double](repeating: 0, count: n * n)
        for (column, source) in order.enumerated() {
            for row in 0..<n { vectors[row * n + column] = v[row * n + source] }
        }
        return (order.map { d[$0] }, vectors)
    }

    /// Householder reduction of the symmetric matrix in `v` (row-major n x n) to tridiagonal
    /// form: on return `d` holds the diagonal, `e[1...]` the subdiagonal (`e[0] = 0`) and `v`
    /// the orthogonal transformation (EISPACK tred2).
    static func tridiagonalise(_ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>, _ n: Int) {
        for j in 0..<n { d[j] = v[(n - 1) * n + j] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += Swift.abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = v[(i - 1) * n + j]
                    v[i * n + j] = 0
                    v[j * n + i] = 0
                }
            } else {
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    v[j * n + i] = f
                    g = e[j] + v[j * n + j] * f
                    if j + 1 <= i - 1 {
                        for k in (j + 1)...(i - 1) {
                            g += v[k * n + j] * d[k]
                            e[k] += v[k * n + j] * f
                        }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    for k in j...(i - 1) { v[k * n + j] -= f * e[k] + g * d[k] }
                    d[j] = v[(i - 1) * n + j]
                    v[i * n + j] = 0
                }
            }
            d[i] = h
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            v[(n - 1) * n + i] = v[i * n + i]
            v[i * n + i] = 1
            let h = d[i + 1]
            if h != 0 {
                for k in 0...i { d[k] = v[k * n + i + 1] / h }
                for j in 0...i {
                    var g = 0.0
                    for k in 0...i { g += v[k * n + i + 1] * v[k * n + j] }
                    for k in 0...i { v[k * n + j] -= g * d[k] }
                }
            }
            for k in 0...i { v[k * n + i + 1] = 0 }
        }
        for j in 0..<n {
            d[j] = v[(n - 1) * n + j]
            v[(n - 1) * n + j] = 0
        }
        v[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// The implicit QL algorithm on the tridiagonal matrix (`d`, `e` from ``tridiagonalise``),
    /// applying its rotations to `v`: on return `d` holds the eigenvalues (unsorted) and the
    /// columns of `v` the eigenvectors (EISPACK tql2). At most 64 iterations per eigenvalue
    /// (about two are usual), so that NaN input cannot loop forever.
    static func diagonaliseTridiagonal(_ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 1..<Swift.max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, largest = 0.0
        let epsilon = 0x1p-52
        for l in 0..<n {
            largest = Swift.max(largest, Swift.abs(d[l]) + Swift.abs(e[l]))
            var m = l
            while m < n - 1 && !(Swift.abs(e[m]) <= epsilon * largest) { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypotenuse(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = c, c3 = c
                    let el1 = e[l + 1]
                    var s = 0.0, s2 = 0.0
                    for i in stride(from: m - 1, through: l, by: -1) {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypotenuse(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        for k in 0..<n {
                            h = v[k * n + i + 1]
                            v[k * n + i + 1] = s * v[k * n + i] + c * h
                            v[k * n + i] = c * v[k * n + i] - s * h
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while Swift.abs(e[l]) > epsilon * largest && iterations < 64
            }
            d[l] += f
            e[l] = 0
        }
    }

    /// `sqrt(a² + b²)` without overflow or underflow in the squares.
    @inline(__always)
    static func hypotenuse(_ a: Double, _ b: Double) -> Double {
        let scale = Swift.max(Swift.abs(a), Swift.abs(b))
        guard scale > 0 && scale.isFinite else { return scale }
        let x = a / scale, y = b / scale
        return scale * (x * x + y * y).squareRoot()
    }
}
