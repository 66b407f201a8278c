// PrincipalAxes: the principal axes of a set of points — their mean and covariance (one GEMM),
// and the eigenvectors of a small symmetric matrix by cyclic Jacobi rotations in Double, sorted
// by decreasing eigenvalue: an orthogonal basis, to rotate points onto their principal axes
// without changing their distances. CoresetSelection uses it so that partial distances over
// the leading coordinates prune early; NearestNeighbourIndex, for its lower bounds. Meant for
// dimensions up to a few hundred (O(d³) per sweep). Not here: what the callers do with the axes.

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
        var product = [Float](repeating: 0, count: dimensions * dimensions)
        centred.withUnsafeBufferPointer { x in
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
        return (mean, centred, covariance)
    }

    /// The eigenvalues and eigenvectors of the symmetric `matrix` (`dimensions²` values,
    /// row-major; only symmetric input is meaningful).
    /// - Returns: `values` in decreasing order and `vectors` (`dimensions²`, row-major) whose
    ///   column k is the unit eigenvector of `values[k]`; the columns are orthonormal.
    public static func symmetricEigen(_ matrix: [Double], dimensions: Int) -> (values: [Double], vectors: [Double]) {
        let n = dimensions
        precondition(n > 0 && matrix.count == n * n, "symmetricEigen: \(matrix.count) values are not a \(n)x\(n) matrix")
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = matrix.reduce(0) { Swift.max($0, Swift.abs($1)) }
        a.withUnsafeMutableBufferPointer { aBuffer in
            v.withUnsafeMutableBufferPointer { vBuffer in
                let a = aBuffer.baseAddress!, v = vBuffer.baseAddress!
                for _ in 0..<64 {
                    var offDiagonal = 0.0
                    for p in 0..<n { for q in (p + 1)..<Swift.max(p + 1, n) { offDiagonal += a[p * n + q] * a[p * n + q] } }
                    if scale == 0 || offDiagonal <= 1e-30 * scale * scale { break }
                    for p in 0..<(n - 1) {
                        for q in (p + 1)..<n {
                            let apq = a[p * n + q]
                            if apq == 0 { continue }
                            // The rotation that zeroes a[p][q] (Golub & Van Loan, symmetric Schur).
                            let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                            let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot(), s = t * c
                            for k in 0..<n {
                                let akp = a[k * n + p], akq = a[k * n + q]
                                a[k * n + p] = c * akp - s * akq
                                a[k * n + q] = s * akp + c * akq
                            }
                            for k in 0..<n {
                                let apk = a[p * n + k], aqk = a[q * n + k]
                                a[p * n + k] = c * apk - s * aqk
                                a[q * n + k] = s * apk + c * aqk
                            }
                            for k in 0..<n {
                                let vkp = v[k * n + p], vkq = v[k * n + q]
                                v[k * n + p] = c * vkp - s * vkq
                                v[k * n + q] = s * vkp + c * vkq
                            }
                        }
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] || (a[$0 * n + $0] == a[$1 * n + $1] && $0 < $1) }
        var vectors = [Double](repeating: 0, count: n * n)
        for (column, source) in order.enumerated() {
            for row in 0..<n { vectors[row * n + column] = v[row * n + source] }
        }
        return (order.map { a[$0 * n + $0] }, vectors)
    }
}
