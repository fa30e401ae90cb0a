import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The one error shape of the API: `application/problem+json` (RFC 9457).
///
/// `type` is a stable identifier clients may switch on (`/problems/<slug>`); `title` is its fixed human summary;
/// `detail` explains this occurrence; `errors` lists field problems for validation failures. Never put SQL, stack
/// traces or personal data here.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// A field-level problem: JSON pointer-ish path and message.
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String?
    public var errors: [FieldError]
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields
    /// For a 409 from the workflow: where things stand (`ticketStatus`, `dispatchStatus`).
    public var currentState: [String: String]?
    /// For a point that does not fit its district: the districts and the distance, as extension members.
    public var point: PointMismatch?

    /// Extension members of `/problems/point-outside-district` and `/problems/point-outside-beijing`.
    public struct PointMismatch: Encodable, Sendable, Equatable {
        /// The district the request named (absent when it named none).
        public var statedDistrictCode: String?
        /// The district the point lies in (absent when it lies outside Beijing).
        public var pointDistrictCode: String?
        /// Metres from the point to the stated district's boundary, rounded.
        public var distanceMetres: Int?
        public var toleranceMetres: Int
    }

    public init(
        _ status: HTTPResponse.Status, type: String, title: String, detail: String? = nil,
        errors: [FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.currentState = nil
        self.point = nil
    }

    public static func notFound(_ detail: String? = nil) -> Problem {
        Problem(.notFound, type: "/problems/not-found", title: "Not found", detail: detail)
    }

    public static func malformedRequest(_ detail: String) -> Problem {
        Problem(.badRequest, type: "/problems/malformed-request", title: "Malformed request", detail: detail)
    }

    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(
            .unprocessableContent, type: "/problems/validation", title: "Validation failed",
            detail: errors.count == 1 ? "\(errors[0].field): \(errors[0].message)."
                : "\(errors.count) fields are invalid: \(errors.map(\.field).joined(separator: ", ")).",
            errors: errors)
    }

    public static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, type: "/problems/unavailable", title: "Service unavailable", detail: detail)
    }

    public static func internalError(requestID: String) -> Problem {
        Problem(
            .internalServerError, type: "/problems/internal", title: "Internal server error",
            detail: "Something went wrong on our side. Quote request id \(requestID) when reporting it.")
    }

    /// The problem for a status Hummingbird itself raised (unknown route, wrong method, body too large, …).
    static func fromStatus(_ status: HTTPResponse.Status, message: String?) -> Problem {
        switch status {
        case .notFound: .notFound(message ?? "No such resource.")
        case .methodNotAllowed:
            Problem(status, type: "/problems/method-not-allowed", title: "Method not allowed", detail: message)
        case .contentTooLarge:
            Problem(status, type: "/problems/payload-too-large", title: "Request body too large", detail: message)
        case .unsupportedMediaType:
            Problem(status, type: "/problems/unsupported-media-type", title: "Unsupported media type", detail: message)
        case .badRequest: .malformedRequest(message ?? "The request could not be read.")
        default:
            Problem(status, type: "/problems/http-\(status.code)", title: status.reasonPhrase, detail: message)
        }
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var instance: String?
        var requestId: String?
        var errors: [FieldError]?
        var currentState: [String: String]?
        var statedDistrictCode: String?
        var pointDistrictCode: String?
        var distanceMetres: Int?
        var toleranceMetres: Int?
    }

    /// Renders the problem; `requestID` goes into the body too, to correlate with logs.
    public func response(requestID: String?, instance: String?) -> Response {
        let body = Body(
            type: type, title: title, status: Int(status.code), detail: detail, instance: instance,
            requestId: requestID, errors: errors.isEmpty ? nil : errors, currentState: currentState,
            statedDistrictCode: point?.statedDistrictCode, pointDistrictCode: point?.pointDistrictCode,
            distanceMetres: point?.distanceMetres, toleranceMetres: point?.toleranceMetres)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"type":"/problems/internal","status":500}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: nil, instance: request.uri.path)
    }
}
