import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import Synchronization
import Testing
import X509
@testable import DejaHTTPClient

/// `https` upstreams: the client verifies the server against its trust roots and speaks HTTP/1.1
/// over TLS, connection reuse included.
@Suite struct TLSTests {
    /// A self-signed certificate for `localhost` made at test time, and its key.
    static func selfSigned() throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("localhost") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return (
            try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der),
            try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der)
        )
    }

    /// A TLS server on 127.0.0.1 answering every request with `ok:<path>`; counts connections.
    static func server(_ certificate: NIOSSLCertificate, _ key: NIOSSLPrivateKey) async throws -> ScriptedServer {
        let context = try NIOSSLContext(
            configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
        return try await ScriptedServer(tls: context) { path, _ in [.write(ScriptedServer.response(body: "ok:\(path)"))] }
    }

    @Test func httpsWorksAndReusesTheConnection() async throws {
        let (certificate, key) = try Self.selfSigned()
        let server = try await Self.server(certificate, key)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([certificate])
        let client = UpstreamClient(configuration: .init(tls: tls))
        for path in ["/a", "/b", "/c"] {
            let url = try UpstreamURL("https://localhost:\(server.port)\(path)")
            let response = try await client.collect(UpstreamRequest(method: .GET, url: url), limit: 1024, timeout: .seconds(5))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "ok:\(path)")
        }
        #expect(server.accepted.load(ordering: .relaxed) == 1)
        client.shutdown()
        await server.stop()
    }

    @Test func anUntrustedCertificateIsAConnectFailure() async throws {
        let (certificate, key) = try Self.selfSigned()
        let server = try await Self.server(certificate, key)
        // System trust roots: the self-signed certificate is not among them.
        let client = UpstreamClient()
        await #expect {
            _ = try await client.collect(
                UpstreamRequest(method: .GET, url: try UpstreamURL("https://localhost:\(server.port)/")), limit: 1024, timeout: .seconds(5))
        } throws: { error in
            guard case .connectFailed(let detail) = error as? UpstreamClientError else { return false }
            return detail.contains("TLS")
        }
        #expect(server.requests.load(ordering: .relaxed) == 0)
        client.shutdown()
        await server.stop()
    }
}
