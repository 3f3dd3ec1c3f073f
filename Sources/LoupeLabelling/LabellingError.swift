/// Why labelling, error search, review or export could not go on. Every case names the file or
/// option at fault and says what to do.
public enum LabellingError: Error, CustomStringConvertible, Equatable {
    case unsupportedLabelsFile(path: String)
    case malformedLabelsFile(path: String, line: Int, reason: String)
    /// The labels file holds rows from another model; mixing them would make one file say two things.
    case otherModel(path: String, found: String, running: String)
    case cannotWrite(path: String, operation: String, errno: Int32)
    /// The model cannot take these images at all (its input, not one image, is at fault).
    case modelDoesNotFit(model: String, input: String, image: String, reason: String)
    case noImages(paths: [String])
    case badOption(String)
    case unknownClass(path: String, line: Int, label: String, known: [String])

    public var description: String {
        switch self {
        case .unsupportedLabelsFile(let path):
            return "labels file \(path): the name must end in .jsonl or .csv (the format is chosen by the extension)"
        case .malformedLabelsFile(let path, let line, let reason):
            return "labels file \(path), line \(line): \(reason)"
        case .otherModel(let path, let found, let running):
            return "labels file \(path) was made with model \(found), this run uses \(running): write to a new --out file"
                + " (rows from two models in one file would disagree)"
        case .cannotWrite(let path, let operation, let errno):
            return "cannot \(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .modelDoesNotFit(let model, let input, let image, let reason):
            return "model \(model) (input \(input)) cannot take image \(image): \(reason). Nothing was labelled with it;"
                + " use a model made for these images"
        case .noImages(let paths):
            return "no PNG or JPEG images found in \(paths.joined(separator: ", "))"
        case .badOption(let text):
            return text
        case .unknownClass(let path, let line, let label, let known):
            return "\(path), line \(line): label '\(label)' is not one of the classes \(known)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
