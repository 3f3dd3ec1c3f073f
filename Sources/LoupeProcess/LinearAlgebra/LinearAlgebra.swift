import CLinearAlgebra

/// A LAPACK routine that did not succeed, named with what it was asked to do.
public struct LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    public let operation: String
    public let detail: String
    public var description: String { "\(operation): \(detail)" }
}

/// The dense linear algebra the process models need, over LAPACK (OpenBLAS): least squares,
/// symmetric eigen decomposition, symmetric positive-definite solves and products.
public enum LinearAlgebra {
    /// Minimum-norm least squares `argmin ‖A x − b‖` by SVD (LAPACK dgelsd), robust to
    /// rank-deficient designs (duplicated tags).
    /// - Returns: the solution and the effective rank.
    public static func leastSquares(_ a: Matrix, _ b: [Double], relativeCondition: Double = 1e-12) throws -> (x: [Double], rank: Int) {
        precondition(b.count == a.rows, "leastSquares: \(b.count) targets for \(a.rows) rows")
        let m = a.rows, n = a.columns
        guard m > 0, n > 0 else { throw LinearAlgebraError(operation: "least squares", detail: "empty design (\(m)×\(n))") }
        var aCopy = a.values
        let ldb = max(m, n)
        var rhs = [Double](repeating: 0, count: ldb)
        for i in 0..<m { rhs[i] = b[i] }
        var singular = [Double](repeating: 0, count: min(m, n))
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), 1, &aCopy, Int32(n), &rhs, 1,
                                  &singular, relativeCondition, &rank)
        guard info == 0 else {
            throw LinearAlgebraError(operation: "least squares (dgelsd) on \(m)×\(n)", detail: info < 0 ? "argument \(-info) invalid" : "SVD did not converge")
        }
        return (Array(rhs[0..<n]), Int(rank))
    }

    /// Eigenvalues (descending) and eigenvectors (columns of `vectors`, same order) of a
    /// symmetric matrix (LAPACK dsyevd).
    public static func symmetricEigen(_ s: Matrix) throws -> (values: [Double], vectors: Matrix) {
        precondition(s.rows == s.columns, "symmetricEigen: \(s.rows)×\(s.columns) is not square")
        let n = s.rows
        var a = s.values
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(n), &a, Int32(n), &w)
        guard info == 0 else {
            throw LinearAlgebraError(operation: "symmetric eigen decomposition (dsyevd) of \(n)×\(n)", detail: info < 0 ? "argument \(-info) invalid" : "did not converge")
        }
        // LAPACK returns ascending order; reverse to descending.
        var vectors = Matrix(rows: n, columns: n)
        var values = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let src = n - 1 - k
            values[k] = w[src]
            for i in 0..<n { vectors[i, k] = a[i * n + src] }
        }
        return (values, vectors)
    }

    /// Solves `S X = B` for symmetric positive-definite `S` (Cholesky, LAPACK dposv).
    public static func solveSPD(_ s: Matrix, _ b: Matrix) throws -> Matrix {
        precondition(s.rows == s.columns && b.rows == s.rows, "solveSPD: shapes \(s.rows)×\(s.columns), \(b.rows)×\(b.columns)")
        var a = s.values, x = b.values
        let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(s.rows), Int32(b.columns), &a, Int32(s.rows), &x, Int32(b.columns))
        guard info == 0 else {
            throw LinearAlgebraError(operation: "Cholesky solve (dposv) of \(s.rows)×\(s.rows)",
                                     detail: info > 0 ? "the matrix is not positive definite (leading minor \(info))" : "argument \(-info) invalid")
        }
        return Matrix(rows: b.rows, columns: b.columns, values: x)
    }

    /// The inverse of a symmetric positive-definite matrix.
    public static func inverseSPD(_ s: Matrix) throws -> Matrix { try solveSPD(s, .identity(s.rows)) }

    /// The Moore–Penrose inverse of a symmetric positive semi-definite matrix (eigenvalues below
    /// `relativeTolerance` × the largest are treated as zero): the covariance of a design with
    /// collinear terms.
    public static func pseudoInverseSymmetric(_ s: Matrix, relativeTolerance: Double = 1e-10) throws -> Matrix {
        let (values, vectors) = try symmetricEigen(s)
        let n = s.rows
        let cutoff = (values.first ?? 0) * relativeTolerance
        var out = Matrix(rows: n, columns: n)
        for k in 0..<n where values[k] > cutoff {
            let w = 1 / values[k]
            for i in 0..<n { let vi = vectors[i, k] * w; for j in 0..<n { out[i, j] += vi * vectors[j, k] } }
        }
        return out
    }

    /// `Aᵀ A` (CBLAS dsyrk), full symmetric result.
    public static func gram(_ a: Matrix) -> Matrix {
        let n = a.columns
        var c = [Double](repeating: 0, count: n * n)
        guard a.rows > 0, n > 0 else { return Matrix(rows: n, columns: n, values: c) }
        a.values.withUnsafeBufferPointer { ap in
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(a.rows), 1, ap.baseAddress, Int32(n), 0, &c, Int32(n))
        }
        for i in 0..<n { for j in 0..<i { c[i * n + j] = c[j * n + i] } }
        return Matrix(rows: n, columns: n, values: c)
    }

    /// Adds `Aᵀ A` over `rowCount` rows of row-major `a` (width `n`) into the upper triangle of `c`
    /// (`n × n`): the streaming co-moment update.
    public static func accumulateGram(_ a: UnsafePointer<Double>, rowCount: Int, width n: Int, into c: UnsafeMutablePointer<Double>) {
        guard rowCount > 0, n > 0 else { return }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(rowCount), 1, a, Int32(n), 1, c, Int32(n))
    }

    /// `A × B` (CBLAS dgemm).
    public static func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "multiply: \(a.rows)×\(a.columns) by \(b.rows)×\(b.columns)")
        var c = [Double](repeating: 0, count: a.rows * b.columns)
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return Matrix(rows: a.rows, columns: b.columns, values: c) }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(a.rows), Int32(b.columns), Int32(a.columns), 1,
                    a.values, Int32(a.columns), b.values, Int32(b.columns), 0, &c, Int32(b.columns))
        return Matrix(rows: a.rows, columns: b.columns, values: c)
    }
}
