import Foundation

/// Which build is running: reported by `/health`, the `llm_gateway_build_info` metric, the
/// start-up banner and `deja --version`.
public enum BuildInfo {
    /// The release version.
    public static let version = "0.1.0"

    /// The build's identity: `DEJA_BUILD` when the image or the deployment sets it (the Dockerfile
    /// passes the commit), else `dev`.
    public static let build: String = {
        let value = ProcessInfo.processInfo.environment["DEJA_BUILD"] ?? ""
        let printable = value.utf8.count <= 64 && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        return value.isEmpty || !printable ? "dev" : value
    }()
}
