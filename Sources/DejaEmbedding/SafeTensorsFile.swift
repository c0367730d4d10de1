import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only, memory-mapped safetensors file.
///
/// The format is an 8-byte little-endian header length `N`, `N` bytes of JSON mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end of the
/// header), then the raw tensor bytes. The whole file is mapped with `mmap`, so opening costs
/// no copy and only the pages that are read become resident.
///
/// Opening validates every entry and throws ``EmbeddingError``:
/// - ``EmbeddingError/truncatedFile``: the file ends inside the header, or before the end of a
///   tensor's data (which is also what a header with offsets beyond the file looks like);
/// - ``EmbeddingError/invalidHeader``: the header is not a JSON object of tensor entries;
/// - ``EmbeddingError/tensorOutOfBounds``: a tensor's `begin` exceeds its `end`;
/// - ``EmbeddingError/shapeMismatch``: `product(shape) × dtype size` differs from the byte length.
///
/// Reading a tensor checks its dtype (``EmbeddingError/unsupportedDType`` unless float32) and its
/// shape against the caller's expectation (``EmbeddingError/shapeMismatch``).
public final class SafeTensorsFile: @unchecked Sendable {
    // @unchecked: the mapping is created read-only in init, never written, and unmapped only in
    // deinit, so sharing the base pointer across threads is safe.

    /// One tensor's entry in the header.
    public struct TensorInfo: Sendable, Hashable {
        /// The safetensors dtype string, for example `F32`.
        public var dtype: String
        /// The tensor's dimensions, outermost first.
        public var shape: [Int]
        /// Byte range of the tensor within the data section.
        public var byteRange: Range<Int>
    }

    /// The path the file was opened from.
    public let path: String
    /// Every tensor in the header, by name.
    public let tensors: [String: TensorInfo]
    /// The `__metadata__` entry of the header, if any.
    public let metadata: [String: String]

    private let base: UnsafeMutableRawPointer
    private let mappedLength: Int
    private let dataOffset: Int

    /// Limits the header to a size no real model needs, so a corrupt length cannot make us parse
    /// the whole file as JSON.
    private static let maximumHeaderLength = 100 << 20

    /// Opens and maps `url`, validating its header.
    public init(contentsOf url: URL) throws {
        let path = url.path
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EmbeddingError.modelNotFound.with(path: path, detail: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw EmbeddingError.modelNotFound.with(path: path, detail: String(cString: strerror(errno)))
        }
        let size = Int(status.st_size)
        guard size >= 8 else {
            throw EmbeddingError.truncatedFile.with(path: path, detail: "\(size) bytes, shorter than the 8-byte header length")
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapping != MAP_FAILED else {
            throw EmbeddingError.truncatedFile.with(path: path, detail: "mmap failed: \(String(cString: strerror(errno)))")
        }
        self.base = mapping
        self.mappedLength = size
        do {
            let parsed = try Self.parseHeader(base: UnsafeRawPointer(mapping), size: size, path: path)
            self.tensors = parsed.tensors
            self.metadata = parsed.metadata
            self.dataOffset = parsed.dataOffset
        } catch {
            munmap(mapping, size)
            throw error
        }
    }

    deinit {
        munmap(base, mappedLength)
    }

    private static func parseHeader(
        base: UnsafeRawPointer,
        size: Int,
        path: String
    ) throws -> (tensors: [String: TensorInfo], metadata: [String: String], dataOffset: Int) {
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw EmbeddingError.invalidHeader.with(path: path, detail: "header length \(headerLength) is implausible")
        }
        guard 8 + Int(headerLength) <= size else {
            throw EmbeddingError.truncatedFile.with(
                path: path,
                detail: "header declares \(headerLength) bytes but the file has \(size - 8) after the length"
            )
        }
        let dataOffset = 8 + Int(headerLength)
        let json = Data(bytes: base + 8, count: Int(headerLength))
        guard let object = try? JSONSerialization.jsonObject(with: json), let entries = object as? [String: Any] else {
            throw EmbeddingError.invalidHeader.with(path: path, detail: "header is not a JSON object")
        }
        let dataSize = size - dataOffset
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any],
                let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int],
                let offsets = entry["data_offsets"] as? [Int],
                offsets.count == 2,
                shape.allSatisfy({ $0 >= 0 })
            else {
                throw EmbeddingError.invalidHeader.with(path: path, detail: "malformed entry for tensor \(name)")
            }
            let begin = offsets[0]
            let end = offsets[1]
            guard begin >= 0, begin <= end else {
                throw EmbeddingError.tensorOutOfBounds.with(path: path, detail: "tensor \(name) has offsets \(begin)..<\(end)")
            }
            guard end <= dataSize else {
                throw EmbeddingError.truncatedFile.with(
                    path: path,
                    detail: "tensor \(name) ends at data byte \(end) but the data section has \(dataSize) bytes"
                )
            }
            if let elementSize = elementSize(of: dtype) {
                let (count, overflow) = shape.reduce((1, false)) { partial, dim in
                    let product = partial.0.multipliedReportingOverflow(by: dim)
                    return (product.partialValue, partial.1 || product.overflow)
                }
                guard !overflow, count.multipliedReportingOverflow(by: elementSize) == (end - begin, false) else {
                    throw EmbeddingError.shapeMismatch.with(
                        path: path,
                        detail: "tensor \(name) has shape \(shape) of \(dtype) but \(end - begin) bytes"
                    )
                }
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
        }
        return (tensors, metadata, dataOffset)
    }

    private static func elementSize(of dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": 8
        case "F32", "I32", "U32": 4
        case "F16", "BF16", "I16", "U16": 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": 1
        default: nil
        }
    }

    /// Returns the raw bytes of a float32 tensor after checking its dtype and shape.
    ///
    /// The buffer points into the mapping and is valid while this file is alive.
    func float32Bytes(_ name: String, shape expected: [Int]) throws -> UnsafeRawBufferPointer {
        guard let info = tensors[name] else {
            throw EmbeddingError.missingTensor.with(path: path, detail: name)
        }
        guard info.dtype == "F32" else {
            throw EmbeddingError.unsupportedDType.with(path: path, detail: "tensor \(name) is \(info.dtype), expected F32")
        }
        guard info.shape == expected else {
            throw EmbeddingError.shapeMismatch.with(path: path, detail: "tensor \(name) has shape \(info.shape), expected \(expected)")
        }
        return UnsafeRawBufferPointer(start: base + dataOffset + info.byteRange.lowerBound, count: info.byteRange.count)
    }

    /// Copies a float32 tensor out of the file after checking its dtype and shape.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let bytes = try float32Bytes(name, shape: shape)
        return [Float](unsafeUninitializedCapacity: bytes.count / 4) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            count = bytes.count / 4
        }
    }

    /// Tells the kernel the pages holding `name` are no longer needed, so a tensor that has been
    /// copied into another layout stops counting towards resident memory. Reading the tensor again
    /// afterwards is still valid (the pages are re-read from the file).
    func releasePages(of name: String) {
        guard let info = tensors[name] else { return }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = dataOffset + info.byteRange.lowerBound
        // Only whole pages inside the tensor, so neighbouring tensors keep their pages.
        let first = (start + pageSize - 1) / pageSize * pageSize
        let last = (dataOffset + info.byteRange.upperBound) / pageSize * pageSize
        guard last > first else { return }
        _ = madvise(base + first, last - first, MADV_DONTNEED)
    }
}
