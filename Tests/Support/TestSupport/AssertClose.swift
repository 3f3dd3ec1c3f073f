import XCTest

/// Asserts `|actual - expected| <= absolute + relative * |expected|` element by element
/// (`expected` is the reference) and, on failure, reports the worst element: its index, both
/// values and how far past the tolerance it is.
public func assertClose(_ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-4,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count mismatch " + message(), file: file, line: line)
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<min(actual.count, expected.count) {
        let excess = abs(actual[i] - expected[i]) - (absolute + relative * abs(expected[i]))
        if !(excess <= 0) && (worst < 0 || !(excess <= worstExcess)) {
            worst = i
            worstExcess = excess
        }
    }
    if worst >= 0 {
        XCTFail("worst mismatch at [\(worst)]: got \(actual[worst]), expected \(expected[worst]) "
                + "(|diff| exceeds \(absolute) + \(relative)·|expected| by \(worstExcess)) " + message(), file: file, line: line)
    }
}
