public import DejaProviders
import Foundation

/// How often and how long to wait before asking the same candidate again.
///
/// Backoff is "full jitter" exponential: before retry *n* (1-based) the wait is uniform in
/// `0 ..< min(maxBackoff, initialBackoff · 2ⁿ⁻¹)`, which spreads retries of many clients over the
/// window instead of synchronising them. An upstream's `Retry-After` (seconds or an HTTP date;
/// Gemini's `RetryInfo` arrives as seconds) replaces the backoff when it is at most
/// `maxRetryAfter`; a longer one is not waited out: the next candidate answers, or the client
/// gets the 429 with the upstream's Retry-After.
public struct RetryPolicy: Sendable, Hashable {
    /// Calls to one candidate, the first included (`RETRY_MAX_ATTEMPTS`, default 3).
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// The longest Retry-After the gateway waits out before a retry.
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(4),
        maxRetryAfter: Duration = .seconds(5)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// The full-jitter backoff before retry `retry` (1 for the first retry), `unitRandom` in 0..<1.
    public func backoff(retry: Int, unitRandom: Double) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(maxBackoff, initialBackoff * (1 << exponent))
        return ceiling * min(max(unitRandom, 0), 0.999_999)
    }

    /// The wait before retry `retry` after `error`: the upstream's Retry-After when it sent one
    /// (nil when that is longer than ``maxRetryAfter``), else the backoff.
    public func delay(after error: ProviderError, retry: Int, unitRandom: Double, wallClockSeconds: Double) -> Duration? {
        if let header = error.retryAfter, let seconds = Self.retryAfterSeconds(header, now: wallClockSeconds) {
            let wait = Duration.milliseconds(Int64((seconds * 1000).rounded(.up)))
            return wait <= maxRetryAfter ? wait : nil
        }
        return backoff(retry: retry, unitRandom: unitRandom)
    }

    /// A Retry-After value in seconds from now: delta-seconds, or an HTTP date (RFC 9110's
    /// IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`); nil when it is neither. A date in the
    /// past is 0.
    public static func retryAfterSeconds(_ value: String, now: Double) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite, seconds >= 0, text.allSatisfy({ $0.isNumber || $0 == "." }) {
            return seconds
        }
        guard text.count <= 64 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince1970 - now)
    }
}

