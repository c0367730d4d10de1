/// An error thrown by a ``VectorIndex`` or while reading an index file.
///
/// Like `HTTPClientError`, this is a struct over a private code: adding a case breaks no caller, and
/// callers compare with `==` against the static members (`error == .dimensionMismatch`).
public struct IndexError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case dimensionMismatch
        case nonFiniteComponent
        case zeroVector
        case duplicateID
        case invalidDimension
        case invalidConfiguration
        case truncatedFile
        case corruptedFile
        case unrecognizedFormat
        case unsupportedVersion
        case wrongIndexKind
        case ioFailure
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// A vector or query has a different number of components than the index's dimension.
    public static let dimensionMismatch = IndexError(.dimensionMismatch)
    /// A vector or query contains NaN or an infinity.
    public static let nonFiniteComponent = IndexError(.nonFiniteComponent)
    /// A vector or query has zero length, so it has no direction and no cosine similarity.
    public static let zeroVector = IndexError(.zeroVector)
    /// `add(id:vector:)` was called with an id that is already in the index (use `upsert` to replace).
    public static let duplicateID = IndexError(.duplicateID)
    /// An index was created with a dimension that is not positive or is too large.
    public static let invalidDimension = IndexError(.invalidDimension)
    /// A configuration value is out of range (for example `M < 2` or `k < 0`).
    public static let invalidConfiguration = IndexError(.invalidConfiguration)
    /// An index file ends before its declared contents.
    public static let truncatedFile = IndexError(.truncatedFile)
    /// An index file's checksum or internal structure does not match its contents.
    public static let corruptedFile = IndexError(.corruptedFile)
    /// The bytes are not a Deja index file (wrong magic number).
    public static let unrecognizedFormat = IndexError(.unrecognizedFormat)
    /// The file was written by a newer format version than this code reads.
    public static let unsupportedVersion = IndexError(.unsupportedVersion)
    /// The file holds a different kind of index than the type asked to read it.
    public static let wrongIndexKind = IndexError(.wrongIndexKind)
    /// Reading or writing the file failed at the operating-system level.
    public static let ioFailure = IndexError(.ioFailure)

    public var description: String {
        switch self.code {
        case .dimensionMismatch: "vector dimension does not match the index dimension"
        case .nonFiniteComponent: "vector contains NaN or infinite components"
        case .zeroVector: "vector has zero length"
        case .duplicateID: "an entry with this id already exists"
        case .invalidDimension: "index dimension must be between 1 and 65536"
        case .invalidConfiguration: "index configuration value out of range"
        case .truncatedFile: "index file is truncated"
        case .corruptedFile: "index file is corrupted"
        case .unrecognizedFormat: "not a Deja index file"
        case .unsupportedVersion: "index file format version is not supported"
        case .wrongIndexKind: "index file holds a different kind of index"
        case .ioFailure: "index file could not be read or written"
        }
    }
}
