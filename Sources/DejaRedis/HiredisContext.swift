import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One hiredis connection: the only place DejaRedis calls hiredis.
///
/// Not thread-safe and deliberately not `Sendable`: each instance is created, used and freed
/// by a single dedicated thread (a pooled connection's thread or the subscriber's thread),
/// because hiredis calls block on the socket and must never run on a NIO event loop or a
/// Swift concurrency thread. After any error the context is unusable (hiredis keeps the
/// error flag set); the owner drops it and connects a new one.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    /// Most bytes read from the socket for one reply before giving up on it
    /// (``RedisConfiguration/maxReplyBytes``).
    private let maxReplyBytes: Int
    /// Bytes read since the last complete reply was taken from the reader.
    private var bytesSinceLastReply = 0

    private init(context: UnsafeMutablePointer<redisContext>, maxReplyBytes: Int) {
        self.context = context
        self.maxReplyBytes = max(maxReplyBytes, 1024)
    }

    deinit {
        redisFree(self.context)
    }

    /// Connects with `connectTimeout` bounding the TCP handshake, then applies `ioTimeout` to
    /// every later read and write on the socket.
    static func connect(
        host: String, port: Int, connectTimeout: Duration, ioTimeout: Duration, maxReplyBytes: Int
    ) throws(RedisError) -> HiredisContext {
        guard let raw = redisConnectWithTimeout(host, Int32(clamping: port), timeval(connectTimeout)) else {
            throw RedisError.connectionFailed.with(detail: "cannot allocate hiredis context")
        }
        if raw.pointee.err != 0 {
            let error = Self.error(of: raw, savedErrno: errno)
            redisFree(raw)
            throw error
        }
        let context = HiredisContext(context: raw, maxReplyBytes: maxReplyBytes)
        guard redisSetTimeout(raw, timeval(ioTimeout)) == REDIS_OK else {
            throw RedisError.connectionFailed.with(detail: "cannot set socket timeout")
        }
        return context
    }

    /// Bounds every later read and write on the socket by `timeout`.
    func setTimeout(_ timeout: Duration) throws(RedisError) {
        guard redisSetTimeout(self.context, timeval(timeout)) == REDIS_OK else { throw self.currentError() }
    }

    /// Sends one command and reads its reply; an error reply comes back as ``RedisValue/error(_:)``.
    ///
    /// - Throws: ``RedisError`` when the connection failed or the reply exceeded
    ///   ``RedisConfiguration/maxReplyBytes``; the context is then unusable.
    func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisValue {
        try self.append(arguments)
        try self.flush()
        return try self.readReply()
    }

    /// Sends all commands in one write and reads one reply per command, in order.
    func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisValue] {
        for arguments in commands {
            try self.append(arguments)
        }
        try self.flush()
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands.indices {
            replies.append(try self.readReply())
        }
        return replies
    }

    /// Blocks (up to the socket timeout per read) until one whole reply has been read.
    ///
    /// The same loop as hiredis's `redisGetReply`, plus the reply size bound: hiredis would
    /// otherwise buffer a bulk string of any length the server announces.
    private func readReply() throws(RedisError) -> RedisValue {
        while true {
            if let reply = try self.nextBufferedReply() { return reply }
            try self.readAvailable()
        }
    }

    // MARK: Non-blocking pieces for pub/sub

    /// Buffers a command for the next ``flush()`` without waiting for a reply.
    func append(_ arguments: [[UInt8]]) throws(RedisError) {
        let status = Self.withArgv(arguments) { argc, argv, lengths in
            redisAppendCommandArgv(self.context, argc, argv, lengths)
        }
        guard status == REDIS_OK else { throw self.currentError() }
    }

    /// Writes every buffered command to the socket.
    func flush() throws(RedisError) {
        var done: Int32 = 0
        while done == 0 {
            guard redisBufferWrite(self.context, &done) == REDIS_OK else { throw self.currentError() }
        }
    }

    /// Waits up to `milliseconds` for the socket to become readable (data, end of file or error).
    func waitUntilReadable(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: self.context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// Reads what the socket has into hiredis's reader; blocks only if nothing is available.
    ///
    /// - Throws: ``RedisError/protocolError`` once more than ``RedisConfiguration/maxReplyBytes``
    ///   have been read without completing a reply (the context must then be dropped).
    func readAvailable() throws(RedisError) {
        let before = self.bufferedLength
        guard redisBufferRead(self.context) == REDIS_OK else { throw self.currentError() }
        let after = self.bufferedLength
        // The reader may drop an empty buffer before appending, so `after` can be below `before`
        // only when nothing of the earlier data was left; count what was appended.
        let read = after >= before ? after - before : after
        self.bytesSinceLastReply = self.bytesSinceLastReply.addingReportingOverflow(read).partialValue
        if self.bytesSinceLastReply > self.maxReplyBytes || self.bytesSinceLastReply < 0 {
            throw RedisError.protocolError.with(detail: "reply larger than \(self.maxReplyBytes) bytes")
        }
    }

    /// Returns the next complete reply already read from the socket, or `nil` if none is complete.
    func nextBufferedReply() throws(RedisError) -> RedisValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(self.context, &reply) == REDIS_OK else { throw self.currentError() }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        // Whatever is still buffered belongs to the next reply.
        let reader = self.context.pointee.reader
        self.bytesSinceLastReply = reader.map { $0.pointee.len >= $0.pointee.pos ? $0.pointee.len - $0.pointee.pos : 0 } ?? 0
        return Self.value(of: reply.assumingMemoryBound(to: redisReply.self))
    }

    /// The length of hiredis's read buffer (consumed and unconsumed bytes).
    private var bufferedLength: Int {
        self.context.pointee.reader.map { $0.pointee.len } ?? 0
    }

    // MARK: Conversions

    private func currentError() -> RedisError {
        Self.error(of: self.context, savedErrno: errno)
    }

    private static func error(of context: UnsafeMutablePointer<redisContext>, savedErrno: Int32) -> RedisError {
        let message = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch context.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || savedErrno == ETIMEDOUT:
            // A socket timeout (SO_RCVTIMEO/SO_SNDTIMEO or hiredis's connect poll) surfaces as an
            // I/O error with errno EAGAIN or ETIMEDOUT.
            return RedisError.timeout.with(detail: message)
        case REDIS_ERR_PROTOCOL:
            return RedisError.protocolError.with(detail: message)
        default:
            return RedisError.connectionFailed.with(detail: message.isEmpty ? nil : message)
        }
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulkString(Self.bytes(reply.str, reply.len))
        case REDIS_REPLY_STATUS:
            return .simpleString(Self.bytes(reply.str, reply.len))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: Self.bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_ARRAY:
            guard let elements = reply.element else { return .array([]) }
            return .array((0..<reply.elements).map { index in
                elements[index].map { Self.value(of: $0) } ?? .null
            })
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Lays the arguments out in one buffer and calls `body` with hiredis's argv triple.
    private static func withArgv<Result>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var storage: [UInt8] = []
        storage.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        for argument in arguments { storage.append(contentsOf: argument) }
        // One spare byte keeps the buffer non-empty, so it has a base address even when every
        // argument is empty.
        storage.append(0)
        let lengths = arguments.map(\.count)
        return storage.withUnsafeBytes { buffer in
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            var offset = 0
            for length in lengths {
                pointers.append((buffer.baseAddress! + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(Int32(arguments.count), argv.baseAddress!, lengthBuffer.baseAddress!)
                }
            }
        }
    }
}

extension timeval {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
