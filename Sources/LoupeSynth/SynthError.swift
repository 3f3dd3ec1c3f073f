/// Everything that can go wrong configuring or writing a synthetic data set.
public enum SynthError: Error, CustomStringConvertible, Equatable {
    /// A ``SynthDataset`` setting is out of range.
    case invalidConfiguration(field: String, received: String, expected: String)
    /// Creating the output folder failed.
    case cannotCreateDirectory(path: String, detail: String)
    /// Writing a PNG or `labels.csv` failed.
    case writeFailed(path: String, detail: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let received, let expected):
            return "Synthetic data set setting '\(field)' is \(received); expected \(expected)."
        case .cannotCreateDirectory(let path, let detail):
            return "Could not create folder '\(path)' for synthetic cells: \(detail)."
        case .writeFailed(let path, let detail):
            return "Could not write synthetic data set file '\(path)': \(detail)."
        }
    }
}
