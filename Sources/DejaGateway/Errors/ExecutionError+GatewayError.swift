import DejaProviders
import DejaReliability
import HTTPTypes
import Hummingbird

/// Renders upstream failures: the executor's give-up as the gateway's own degraded signal, an
/// upstream's relayed failure with its own status and class.
struct UpstreamErrorRenderer: Sendable {
    let errorClassHeader: HTTPField.Name
    let degradedMarker: String

    init(_ settings: ReliabilitySettings) {
        errorClassHeader = HTTPField.Name(settings.errorClassHeader) ?? HTTPField.Name("X-Deja-Error-Class")!
        degradedMarker = settings.degradedMarker
    }

    /// The client-facing error for anything an upstream call threw.
    func gatewayError(_ error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case ExecutionError.gaveUp(let gaveUp):
            return degraded(gaveUp)
        case ExecutionError.failed(let failure, _):
            return relayed(failure)
        case let failure as ProviderError:
            return relayed(failure)
        default:
            return GatewayError(status: .badGateway, message: "The upstream call failed", type: "upstream_error", code: "upstream_error")
        }
    }

    /// An upstream's own failure, with an error-class header naming it.
    func relayed(_ failure: ProviderError) -> GatewayError {
        var error = failure.gatewayError
        error.headers[errorClassHeader] = error.code ?? error.type
        return error
    }

    /// 503 `provider_degraded` with the stable marker: every candidate failed or was open, or the
    /// deadline passed.
    func degraded(_ gaveUp: GaveUp) -> GatewayError {
        let why: String =
            switch gaveUp.reason {
            case .exhausted: "every provider that can answer this model failed"
            case .allCircuitsOpen: "every provider that can answer this model has its circuit open"
            case .deadline: "the request's deadline passed before a provider answered"
            case .forced: "test mode asked for it (X-Deja-Test-Mode: force_degraded)"
            }
        var message = "\(degradedMarker) The gateway gave up: \(why)"
        if let last = gaveUp.lastError { message += "; last error from '\(last.provider)': \(last.message)" }
        message += " (\(gaveUp.attempts.count) upstream attempt\(gaveUp.attempts.count == 1 ? "" : "s"))"
        var headers = HTTPFields()
        headers[errorClassHeader] = "provider_degraded"
        if let wait = gaveUp.retryAfter {
            headers[.retryAfter] = String(max(1, wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)))
        }
        return GatewayError(status: .serviceUnavailable, message: message, type: "provider_degraded", code: "provider_degraded", headers: headers)
    }
}
