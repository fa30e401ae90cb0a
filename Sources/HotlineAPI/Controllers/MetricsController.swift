import Crypto
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus

/// Prometheus metrics for scrapers.
///
/// | method | path     | answer                                                                          |
/// |--------|----------|---------------------------------------------------------------------------------|
/// | GET    | /metrics | Prometheus text format, to loopback callers or with `Authorization: Bearer <metrics token>`; else 404 |
///
/// Metrics come from swift-metrics (Hummingbird's `MetricsMiddleware`: requests by route and status, the latency
/// histogram; our pool gauges) collected by one process-wide Prometheus registry.
struct MetricsController {
    let registry: PrometheusCollectorRegistry
    let token: String?

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/metrics", use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard context.isLoopback || self.hasToken(request) else {
            // Answer as if there were no such route: scrapers from elsewhere learn nothing.
            throw Problem.notFound("No such resource.")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * 1024)
        registry.emit(into: &bytes)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func hasToken(_ request: Request) -> Bool {
        guard let token, !token.isEmpty, let header = request.headers[.authorization], header.hasPrefix("Bearer ")
        else { return false }
        // Compare digests so the comparison's time does not depend on how much of the token matched.
        let given = SHA256.hash(data: Data(header.dropFirst(7).utf8))
        let expected = SHA256.hash(data: Data(token.utf8))
        return given == expected
    }
}

/// The process-wide metrics registry. swift-metrics can be bootstrapped once per process; tests build many
/// applications in one process, so they all share it.
public enum HotlineMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
