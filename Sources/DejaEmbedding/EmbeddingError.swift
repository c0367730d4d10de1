/// An error thrown by DejaEmbedding.
///
/// Compare errors with `==`: equality looks only at the kind of error (`.modelNotFound`,
/// `.truncatedFile`, …), so callers can match a kind without knowing its context. The context
/// (file path, upstream status, counts) is kept in stored properties and rendered by
/// ``description``. New kinds can be added without breaking callers.
public struct EmbeddingError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case modelNotFound
        case truncatedFile
        case invalidHeader
        case unsupportedDType
        case tensorOutOfBounds
        case shapeMismatch
        case missingTensor
        case invalidVocabulary
        case tooManyInputs
        case invalidConfiguration
        case remoteRequestFailed
        case invalidRemoteResponse
    }

    private let code: Code

    /// The file or folder the error is about, when there is one.
    public private(set) var path: String?
    /// A short explanation of what was wrong (a tensor name, a field, a count).
    public private(set) var detail: String?
    /// The HTTP status of an upstream embeddings service, for ``remoteRequestFailed``.
    public private(set) var statusCode: Int?

    private init(_ code: Code) {
        self.code = code
    }

    /// The model folder or one of its files does not exist.
    public static let modelNotFound = EmbeddingError(.modelNotFound)
    /// A safetensors file is shorter than its header or its header length says.
    public static let truncatedFile = EmbeddingError(.truncatedFile)
    /// A safetensors header is not the expected JSON.
    public static let invalidHeader = EmbeddingError(.invalidHeader)
    /// A tensor is not stored as float32.
    public static let unsupportedDType = EmbeddingError(.unsupportedDType)
    /// A tensor's byte range lies outside the file's data section, or tensors overlap.
    public static let tensorOutOfBounds = EmbeddingError(.tensorOutOfBounds)
    /// A tensor's shape disagrees with its byte length or with the shape the model needs.
    public static let shapeMismatch = EmbeddingError(.shapeMismatch)
    /// A tensor the model needs is not in the file.
    public static let missingTensor = EmbeddingError(.missingTensor)
    /// The WordPiece vocabulary is empty or lacks a special token.
    public static let invalidVocabulary = EmbeddingError(.invalidVocabulary)
    /// More strings were passed to one `embed` call than the embedder accepts.
    public static let tooManyInputs = EmbeddingError(.tooManyInputs)
    /// A configuration value is out of range.
    public static let invalidConfiguration = EmbeddingError(.invalidConfiguration)
    /// A remote embeddings service answered with a non-2xx status or could not be reached.
    public static let remoteRequestFailed = EmbeddingError(.remoteRequestFailed)
    /// A remote embeddings service answered with a body that is not a valid embeddings response.
    public static let invalidRemoteResponse = EmbeddingError(.invalidRemoteResponse)

    /// Returns a copy carrying the given context.
    package func with(path: String? = nil, detail: String? = nil, statusCode: Int? = nil) -> EmbeddingError {
        var copy = self
        if let path { copy.path = path }
        if let detail { copy.detail = detail }
        if let statusCode { copy.statusCode = statusCode }
        return copy
    }

    /// True for the errors that mean the model files are missing or damaged.
    public var isModelFileError: Bool {
        switch code {
        case .modelNotFound, .truncatedFile, .invalidHeader, .unsupportedDType, .tensorOutOfBounds, .shapeMismatch,
            .missingTensor, .invalidVocabulary:
            true
        case .tooManyInputs, .invalidConfiguration, .remoteRequestFailed, .invalidRemoteResponse:
            false
        }
    }

    /// Errors are equal when they are of the same kind, whatever their context.
    public static func == (lhs: EmbeddingError, rhs: EmbeddingError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the kind only, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    /// The kind, the path, status and detail, and for model-file errors how to install the model.
    public var description: String {
        var text: String
        switch code {
        case .modelNotFound: text = "embedding model not found"
        case .truncatedFile: text = "model file is truncated"
        case .invalidHeader: text = "model file has an invalid safetensors header"
        case .unsupportedDType: text = "model tensor is not float32"
        case .tensorOutOfBounds: text = "model tensor lies outside the file"
        case .shapeMismatch: text = "model tensor has the wrong shape"
        case .missingTensor: text = "model tensor is missing"
        case .invalidVocabulary: text = "tokenizer vocabulary is invalid"
        case .tooManyInputs: text = "too many inputs in one embedding call"
        case .invalidConfiguration: text = "invalid embedder configuration"
        case .remoteRequestFailed: text = "embeddings request failed"
        case .invalidRemoteResponse: text = "invalid embeddings response"
        }
        if let path { text += " at \(path)" }
        if let statusCode { text += " (status \(statusCode))" }
        if let detail { text += ": \(detail)" }
        if isModelFileError {
            text += ". Install the model with `make model` or `scripts/install-model.sh [DEST]`"
            text += " (or point DEJA_MODEL_DIR / --model-dir at an installed copy)"
        }
        return text
    }
}
