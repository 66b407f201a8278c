// PrincipalAxes: the eigenvectors of a small symmetric matrix (a covariance) by cyclic Jacobi
// rotations in Double, sorted by decreasing eigenvalue — an orthogonal basis, to rotate points
// onto their principal axes without changing their distances (CoresetSelection uses it so that
// partial distances over the leading coordinates prune early). Meant for dimensions up to a
// few hundred (O(d³) per sweep). Not here: PCA of large data (the covariance is the caller's).

/// Eigen-decomposition of symmetric matrices.
public enum PrincipalAxes {
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
