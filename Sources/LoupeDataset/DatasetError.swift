/// Why a labelled image set could not be used. Every case names the file (and line) at fault.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case malformedCSV(path: String, line: Int, reason: String)
    /// Rows whose image file does not exist: the first few paths and how many in all.
    case missingImages(labels: String, first: [String], total: Int)
    /// Images that could not be decoded: `path: reason` for the first few, and how many in all.
    case unreadableImages(first: [String], total: Int)
    case empty(source: String)
    /// Training needs at least two classes with examples.
    case oneClassOnly(source: String, classes: [String: Int])
    /// A label that is not one of the classes the model knows (evaluation of an existing model).
    case unknownLabel(path: String, line: Int, label: String, known: [String])
    case invalidSplit(reason: String)

    public var description: String {
        switch self {
        case .fileMissing(let path):
            return "dataset: \(path) does not exist"
        case .malformedCSV(let path, let line, let reason):
            return "labels CSV \(path), line \(line): \(reason)"
        case .missingImages(let labels, let first, let total):
            return "labels \(labels): \(total) image file(s) do not exist, e.g. \(first.joined(separator: ", "))"
        case .unreadableImages(let first, let total):
            return "\(total) image(s) could not be read:\n  " + first.joined(separator: "\n  ")
                + (total > first.count ? "\n  … and \(total - first.count) more" : "")
        case .empty(let source):
            return "dataset \(source): no labelled images found"
        case .oneClassOnly(let source, let classes):
            let counts = classes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            return "dataset \(source): training needs examples of at least two classes, found only \(counts)"
        case .unknownLabel(let path, let line, let label, let known):
            return "labels CSV \(path), line \(line): label '\(label)' is not one of the model's classes \(known)"
        case .invalidSplit(let reason):
            return "dataset split: \(reason)"
        }
    }
}
