import AsyncHTTPClient
import Foundation
import HotlineAPI
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// The server over a real socket with real TLS, checked by a client that verifies the certificate.
@Suite struct LiveTLSTests {
    func client(minimum: TLSVersion = .tlsv12, maximum: TLSVersion? = nil) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(try TestEnvironment.certificateDirectory() + "/ca.pem")
        tls.minimumTLSVersion = minimum
        tls.maximumTLSVersion = maximum
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    func get(_ client: HTTPClient, _ url: String) async throws -> (HTTPClientResponse, String) {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response, String(buffer: body))
    }

    @Test func readyOverVerifiedTLS() async throws {
        try await withTestApp(.ahc(.https)) { testClient in
            let port = try #require(testClient.port)
            for (minimum, maximum) in [(TLSVersion.tlsv12, TLSVersion.tlsv12), (.tlsv13, .tlsv13)] {
                let client = try self.client(minimum: minimum, maximum: maximum)
                do {
                    let (response, body) = try await get(client, "https://127.0.0.1:\(port)/ready")
                    #expect(response.status == .ok, "TLS \(maximum)")
                    #expect(body.contains(#""status":"ready""#))
                    #expect(response.headers.first(name: "X-Request-Id")?.count == 32)
                    // /metrics answers loopback callers.
                    let (metrics, text) = try await get(client, "https://127.0.0.1:\(port)/metrics")
                    #expect(metrics.status == .ok)
                    #expect(text.contains("hb_requests"))
                } catch {
                    try await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }

    @Test func plainHTTPAndOldTLSAreRefused() async throws {
        try await withTestApp(.ahc(.https)) { testClient in
            let port = try #require(testClient.port)
            let plain = HTTPClient(eventLoopGroupProvider: .singleton)
            await #expect(throws: (any Error).self) {
                _ = try await plain.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(5))
            }
            try await plain.shutdown()
            let old = try self.client(minimum: .tlsv1, maximum: .tlsv11)
            await #expect(throws: (any Error).self) {
                _ = try await old.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/health"), timeout: .seconds(5))
            }
            try await old.shutdown()
        }
    }
}
