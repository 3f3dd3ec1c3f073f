import XCTest

/// The element of `actual` furthest outside `|actual - expected| <= absolute + relative * |expected|`
/// (`expected` is the reference), with how far outside it is; `nil` when all are within.
/// A NaN anywhere counts as outside.
public func worstMismatch(_ actual: [Float], _ expected: [Float], absolute: Float, relative: Float) -> (index: Int, excess: Float)? {
    var worst: (index: Int, excess: Float)?
    for i in 0..<min(actual.count, expected.count) {
        let excess = abs(actual[i] - expected[i]) - (absolute + relative * abs(expected[i]))
        if !(excess <= 0), worst == nil || !(excess <= worst!.excess) { worst = (i, excess) }
    }
    return worst
}

/// Asserts `|actual - expected| <= absolute + relative * |expected|` element by element
/// (`expected` is the reference) and, on failure, reports the worst element: its index, both
/// values and how far past the tolerance it is.
public func assertClose(_ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-4,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count mismatch " + message(), file: file, line: line)
    if let worst = worstMismatch(actual, expected, absolute: absolute, relative: relative) {
        XCTFail("worst mismatch at [\(worst.index)]: got \(actual[worst.index]), expected \(expected[worst.index]) "
                + "(|diff| exceeds \(absolute) + \(relative)·|expected| by \(worst.excess)) " + message(), file: file, line: line)
    }
}
