import Synchronization

/// One circuit breaker per provider and model.
///
/// - Closed: calls go through. Degraded failures (5xx, 529, timeouts, connection failures,
///   refused credentials) within the sliding `window` are counted; `failureThreshold` of them open
///   the circuit. A global rate limit (the provider says the account is out) opens it at once;
///   local rate limits (429s for this key or model) escalate to open when `failureThreshold` of
///   them fall within `escalationWindow`.
/// - Open: calls fail fast without touching the network until `cooldown` has passed.
/// - Half-open: exactly one caller (whatever the concurrency) is let through as a probe; its
///   success closes the circuit, its failure re-opens it for another cooldown, and a probe whose
///   client left frees the slot for the next caller.
public final class CircuitBreakers: Sendable {
    public struct Settings: Sendable, Hashable {
        public var failureThreshold: Int
        public var window: Duration
        public var cooldown: Duration
        public var escalationWindow: Duration
        /// How long one instance holds the shared probe of a circuit (other instances wait for
        /// its verdict at most this long).
        public var probeLease: Duration

        public init(
            failureThreshold: Int = 5, window: Duration = .seconds(120), cooldown: Duration = .seconds(300),
            escalationWindow: Duration = .seconds(60), probeLease: Duration = .seconds(30)
        ) {
            self.failureThreshold = max(1, failureThreshold)
            self.window = window
            self.cooldown = cooldown
            self.escalationWindow = escalationWindow
            self.probeLease = probeLease
        }
    }

    /// A circuit's state as `/api/circuit-breakers` and the metric name it.
    public enum State: String, Sendable, Hashable {
        case closed
        case open
        case halfOpen = "half_open"

        /// The gauge value of `llm_gateway_circuit_breaker_state`: 0 closed, 1 open, 2 half-open.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    /// What a caller may do now.
    public enum Admission: Sendable, Hashable {
        /// Call as usual.
        case allowed
        /// Call as the circuit's one probe; report the outcome with `probe: true`.
        case probe
        /// Do not call; the circuit may let a probe through at `retryAt`.
        case rejected(retryAt: ContinuousClock.Instant)
    }

    /// What a finished call says to the breaker.
    public enum Outcome: Sendable, Hashable {
        case success
        case failure(FailureClass)
        /// The call was cut short by its own client (cancelled): says nothing about the provider.
        case abandoned
    }

    /// One circuit, for reports.
    public struct Snapshot: Sendable {
        public var provider: String
        public var model: String
        public var state: State
        /// Failures counted in the current window.
        public var recentFailures: Int
        /// When an open circuit lets its next probe through.
        public var retryAt: ContinuousClock.Instant?
        /// How many times the circuit has opened.
        public var openings: Int
        public var lastFailure: String?
    }

    private enum Phase {
        case closed
        case open(until: ContinuousClock.Instant)
        case probing
    }

    private struct Circuit {
        var phase = Phase.closed
        var failures: [ContinuousClock.Instant] = []
        var rateLimits: [ContinuousClock.Instant] = []
        var openings = 0
        var lastFailure: String?
    }

    private struct Key: Hashable {
        var provider: String
        var model: String
    }

    public let settings: Settings
    private let circuits = Mutex<[Key: Circuit]>([:])
    /// Told when a circuit changes state (the gauge).
    private let onChange: @Sendable (String, String, State) -> Void

    public init(settings: Settings = .init(), onChange: @escaping @Sendable (_ provider: String, _ model: String, State) -> Void = { _, _, _ in }) {
        self.settings = settings
        self.onChange = onChange
    }

    /// Whether a call to `provider`/`model` may go out now.
    public func admit(provider: String, model: String, now: ContinuousClock.Instant) -> Admission {
        let (admission, changed) = circuits.withLock { all -> (Admission, State?) in
            let key = Key(provider: provider, model: model)
            guard var circuit = all[key] else { return (.allowed, nil) }
            switch circuit.phase {
            case .closed:
                return (.allowed, nil)
            case .open(let until) where now < until:
                return (.rejected(retryAt: until), nil)
            case .open:
                circuit.phase = .probing
                all[key] = circuit
                return (.probe, .halfOpen)
            case .probing:
                return (.rejected(retryAt: now + settings.cooldown), nil)
            }
        }
        if let changed { onChange(provider, model, changed) }
        return admission
    }

    /// Records how a call admitted with `admission` ended.
    public func record(provider: String, model: String, admission: Admission, outcome: Outcome, now: ContinuousClock.Instant, reason: String? = nil) {
        let changed = circuits.withLock { all -> State? in
            let key = Key(provider: provider, model: model)
            var circuit = all[key] ?? Circuit()
            defer { all[key] = circuit }
            let probing = admission == .probe
            switch outcome {
            case .abandoned:
                guard probing, case .probing = circuit.phase else { return nil }
                circuit.phase = .open(until: now)  // the next caller probes
                return .open
            case .success, .failure(.rejected):
                // A refused request still shows the provider answering: a probe's success closes.
                guard probing, case .probing = circuit.phase else { return nil }
                circuit.phase = .closed
                circuit.failures.removeAll()
                circuit.rateLimits.removeAll()
                return .closed
            case .failure(let failure):
                circuit.lastFailure = reason
                if probing {
                    return open(&circuit, now: now)
                }
                guard case .closed = circuit.phase else { return nil }
                switch failure {
                case .rateLimitedGlobally:
                    return open(&circuit, now: now)
                case .rateLimited:
                    circuit.rateLimits.removeAll { now - $0 >= settings.escalationWindow }
                    circuit.rateLimits.append(now)
                    return circuit.rateLimits.count >= settings.failureThreshold ? open(&circuit, now: now) : nil
                case .degraded, .credentials:
                    circuit.failures.removeAll { now - $0 >= settings.window }
                    circuit.failures.append(now)
                    return circuit.failures.count >= settings.failureThreshold ? open(&circuit, now: now) : nil
                case .rejected:
                    return nil
                }
            }
        }
        if let changed { onChange(provider, model, changed) }
    }

    private func open(_ circuit: inout Circuit, now: ContinuousClock.Instant) -> State {
        circuit.phase = .open(until: now + settings.cooldown)
        circuit.failures.removeAll()
        circuit.rateLimits.removeAll()
        circuit.openings += 1
        return .open
    }

    /// Applies another instance's announcement: its opening (until the same wall-clock moment)
    /// or its probe's success. Local counts are not touched by an opening elsewhere beyond the
    /// state itself, so an instance does not double-count.
    public func apply(_ announcement: CircuitAnnouncement, now: ContinuousClock.Instant, wallClockSeconds: Double) {
        let changed = circuits.withLock { all -> State? in
            let key = Key(provider: announcement.provider, model: announcement.model)
            var circuit = all[key] ?? Circuit()
            defer { all[key] = circuit }
            switch announcement.change {
            case .opened(let untilWallClock):
                let remaining = max(0, min(untilWallClock - wallClockSeconds, 86_400))
                let until = now + .milliseconds(Int64(remaining * 1000))
                if case .open(let current) = circuit.phase, current >= until { return nil }
                circuit.phase = .open(until: until)
                circuit.failures.removeAll()
                circuit.rateLimits.removeAll()
                return .open
            case .closed:
                if case .closed = circuit.phase { return nil }
                circuit.phase = .closed
                circuit.failures.removeAll()
                circuit.rateLimits.removeAll()
                return .closed
            }
        }
        if let changed { onChange(announcement.provider, announcement.model, changed) }
    }

    /// A probe this instance was admitted for but another instance holds: wait `delay` before
    /// trying again (the other instance's verdict, announced, usually arrives first).
    public func deferProbe(provider: String, model: String, until: ContinuousClock.Instant) {
        let changed = circuits.withLock { all -> Bool in
            let key = Key(provider: provider, model: model)
            guard var circuit = all[key], case .probing = circuit.phase else { return false }
            circuit.phase = .open(until: until)
            all[key] = circuit
            return true
        }
        if changed { onChange(provider, model, .open) }
    }

    /// A circuit's state now; nil for one that has seen no call.
    public func state(provider: String, model: String) -> State? {
        circuits.withLock { all in
            switch all[Key(provider: provider, model: model)]?.phase {
            case nil: nil
            case .closed?: .closed
            case .open?: .open
            case .probing?: .halfOpen
            }
        }
    }

    /// When an open circuit lets its next probe through (nil unless open).
    public func openUntil(provider: String, model: String) -> ContinuousClock.Instant? {
        circuits.withLock { all in
            if case .open(let until)? = all[Key(provider: provider, model: model)]?.phase { return until }
            return nil
        }
    }

    /// Every circuit that has seen a call, as of `now`.
    public func snapshot(now: ContinuousClock.Instant) -> [Snapshot] {
        circuits.withLock { all in
            all.map { key, circuit in
                let state: State
                var retryAt: ContinuousClock.Instant?
                switch circuit.phase {
                case .closed: state = .closed
                case .open(let until):
                    state = .open
                    retryAt = until
                case .probing: state = .halfOpen
                }
                return Snapshot(
                    provider: key.provider, model: key.model, state: state,
                    recentFailures: circuit.failures.filter { now - $0 < settings.window }.count, retryAt: retryAt,
                    openings: circuit.openings, lastFailure: circuit.lastFailure)
            }.sorted { ($0.provider, $0.model) < ($1.provider, $1.model) }
        }
    }
}
