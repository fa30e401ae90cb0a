import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body into `T`, answering with problems a client can act on: 415 for another media type,
    /// 400 for bytes that are not JSON, 422 (with the field) for JSON of the wrong shape.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: some RequestContext) async throws -> T {
        if let contentType = headers[.contentType],
           !contentType.lowercased().hasPrefix("application/json") {
            throw Problem(
                .unsupportedMediaType, type: "/problems/unsupported-media-type", title: "Unsupported media type",
                detail: "Send the body as application/json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch {
            throw Problem.fromStatus(.contentTooLarge, message: "The body is larger than \(context.maxUploadSize) bytes.")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.dataCorrupted(c) where c.codingPath.isEmpty {
            throw Problem.malformedRequest("The body is not valid JSON.")
        } catch let DecodingError.dataCorrupted(c) {
            throw Problem.validation([.init(field: c.codingPath.jsonPath, message: c.debugDescription)])
        } catch let DecodingError.keyNotFound(key, c) {
            throw Problem.validation([.init(field: (c.codingPath + [key]).jsonPath, message: "is required")])
        } catch let DecodingError.typeMismatch(type, c) {
            throw Problem.validation([.init(field: c.codingPath.jsonPath, message: "must be \(Self.describe(type))")])
        } catch let DecodingError.valueNotFound(type, c) {
            throw Problem.validation([.init(field: c.codingPath.jsonPath, message: "must be \(Self.describe(type)), not null")])
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default: "of another type (\(type))"
        }
    }
}

extension [any CodingKey] {
    /// `location.districtCode`, `items[2].name`.
    var jsonPath: String {
        var path = ""
        for key in self {
            if let index = key.intValue { path += "[\(index)]" } else { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return path.isEmpty ? "(body)" : path
    }
}
