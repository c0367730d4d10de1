import Foundation

#if _endian(big)
#error("The index file format stores raw little-endian arrays; add byte swapping before building for a big-endian target.")
#endif

/// The versioned binary container every index is saved in.
///
/// ```
/// offset  size  field
///      0     8  magic "DEJAIDX\0"
///      8     2  format version (currently 1), little-endian like every field
///     10     1  kind (1 = flat, 2 = HNSW)
///     11     1  reserved, 0
///     12     4  dimension
///     16     8  payload length in bytes
///     24     8  FNV-1a-64 of bytes 8..<24 followed by the payload
///     32     …  payload, whose layout the kind defines
/// ```
///
/// Decoding checks the magic, version, kind, length and checksum before it parses the payload,
/// and the payload parser bounds-checks every read and validates every stored node id, so a
/// truncated, corrupted or foreign file yields an ``IndexError`` and never a crash.
enum IndexFile {
    enum Kind: UInt8 {
        case flat = 1
        case hnsw = 2
    }

    static let magic: [UInt8] = Array("DEJAIDX".utf8) + [0]
    static let version: UInt16 = 1
    static let headerSize = 32

    /// Wraps `payload` in a header.
    static func encode(kind: Kind, dimension: Int, payload: ByteWriter) -> [UInt8] {
        var header = ByteWriter()
        header.append(Self.version)
        header.append(kind.rawValue)
        header.append(UInt8(0))
        header.append(UInt32(dimension))
        header.append(UInt64(payload.bytes.count))
        var hash = FNV1a64()
        hash.combine(header.bytes)
        hash.combine(payload.bytes)
        var file = Self.magic
        file.reserveCapacity(Self.headerSize + payload.bytes.count)
        file += header.bytes
        withUnsafeBytes(of: hash.value.littleEndian) { file.append(contentsOf: $0) }
        file += payload.bytes
        return file
    }

    /// Checks the header and checksum of `bytes` and returns the dimension and a reader over the payload.
    static func decode(_ bytes: [UInt8], expecting kind: Kind) throws(IndexError) -> (dimension: Int, payload: ByteReader) {
        guard bytes.count >= Self.magic.count else {
            throw bytes.elementsEqual(Self.magic.prefix(bytes.count)) ? .truncatedFile : .unrecognizedFormat
        }
        guard bytes.prefix(Self.magic.count).elementsEqual(Self.magic) else { throw .unrecognizedFormat }
        guard bytes.count >= Self.headerSize else { throw .truncatedFile }
        var header = ByteReader(bytes, range: Self.magic.count..<Self.headerSize)
        let version: UInt16 = try header.read()
        guard version == Self.version else { throw version > Self.version ? .unsupportedVersion : .corruptedFile }
        let rawKind: UInt8 = try header.read()
        let _: UInt8 = try header.read()
        let dimension = Int(try header.read() as UInt32)
        let payloadLength: UInt64 = try header.read()
        let checksum: UInt64 = try header.read()
        guard payloadLength <= UInt64(Int.max - Self.headerSize) else { throw .corruptedFile }
        let end = Self.headerSize + Int(payloadLength)
        guard bytes.count >= end else { throw .truncatedFile }
        guard bytes.count == end else { throw .corruptedFile }
        var hash = FNV1a64()
        hash.combine(bytes[Self.magic.count..<24])
        hash.combine(bytes[Self.headerSize..<end])
        guard hash.value == checksum else { throw .corruptedFile }
        guard let storedKind = Kind(rawValue: rawKind) else { throw .corruptedFile }
        guard storedKind == kind else { throw .wrongIndexKind }
        guard dimension > 0, dimension <= VectorNormalization.maximumDimension else { throw .corruptedFile }
        return (dimension, ByteReader(bytes, range: Self.headerSize..<end))
    }

    static func write(_ bytes: [UInt8], to url: URL) throws(IndexError) {
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .ioFailure
        }
    }

    static func readBytes(from url: URL) throws(IndexError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw .ioFailure
        }
    }
}

/// FNV-1a, 64-bit: simple, dependency-free and good at catching flipped bits and truncation.
/// It is not a defence against deliberate tampering.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        var value = self.value
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        self.value = value
    }
}

/// Appends little-endian fields to a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func reserveCapacity(_ capacity: Int) {
        self.bytes.reserveCapacity(capacity)
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { self.bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Float) {
        self.append(value.bitPattern)
    }

    /// Appends the raw bytes of `count` trivial values (the platform is little-endian, checked above).
    mutating func appendRaw<T: BitwiseCopyable>(_ pointer: UnsafePointer<T>, count: Int) {
        guard count > 0 else { return }
        self.bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count * MemoryLayout<T>.stride))
    }

    mutating func appendRaw<T: BitwiseCopyable>(_ array: [T]) {
        array.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            self.appendRaw(base, count: buffer.count)
        }
    }
}

/// Reads little-endian fields from a byte range, throwing ``IndexError/corruptedFile`` past its end.
///
/// The file header has already matched the payload length to the file size, so running off the
/// end here means the payload disagrees with its own counts.
struct ByteReader {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { self.position == self.end }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(IndexError) -> T {
        let size = MemoryLayout<T>.size
        guard self.end - self.position >= size else { throw .corruptedFile }
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { destination in
            self.bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[self.position..<self.position + size]))
            }
        }
        self.position += size
        return T(littleEndian: value)
    }

    mutating func readFloat() throws(IndexError) -> Float {
        Float(bitPattern: try self.read(UInt32.self))
    }

    /// Reads an integer count and checks that `count * elementSize` bytes remain.
    mutating func readCount(elementSize: Int) throws(IndexError) -> Int {
        let raw: UInt64 = try self.read()
        guard raw <= UInt64(Int32.max), Int(raw) * max(elementSize, 0) <= self.end - self.position else { throw .corruptedFile }
        return Int(raw)
    }

    /// Copies `count` raw values into `destination`.
    mutating func readRaw<T: BitwiseCopyable>(into destination: UnsafeMutablePointer<T>, count: Int) throws(IndexError) {
        let size = count * MemoryLayout<T>.stride
        guard count >= 0, self.end - self.position >= size else { throw .corruptedFile }
        self.bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(destination).copyMemory(from: source.baseAddress! + self.position, byteCount: size)
        }
        self.position += size
    }

    mutating func readArray<T: BitwiseCopyable>(of _: T.Type, count: Int) throws(IndexError) -> [T] {
        try [T](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(IndexError) in
            if count > 0 { try self.readRaw(into: buffer.baseAddress!, count: count) }
            initialized = count
        }
    }
}
