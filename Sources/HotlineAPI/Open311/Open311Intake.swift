import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import NIOCore

/// `application/x-www-form-urlencoded` fields, in order; a name may repeat.
struct FormFields: Sendable {
    var pairs: [(name: String, value: String)]

    /// Parses `a=1&b=x+y&c=%E4%BD%A0`: `+` is a space, `%XX` a byte of UTF-8. Nil when a percent escape or the
    /// UTF-8 is broken.
    init?(_ text: String) {
        pairs = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(kv[0]) else { return nil }
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            guard let value else { return nil }
            pairs.append((name, value))
        }
    }

    static func decode(_ raw: Substring) -> String? {
        raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// `attribute[code]=v` (and `attribute[code][]=v` for lists): code → values.
    var attributes: [String: [String]] {
        var result: [String: [String]] = [:]
        for (name, value) in pairs where name.hasPrefix("attribute[") {
            var code = name.dropFirst("attribute[".count)
            if code.hasSuffix("[]") { code = code.dropLast(2) }
            guard code.hasSuffix("]") else { continue }
            result[String(code.dropLast()), default: []].append(value)
        }
        return result
    }
}

extension Open311Controller {
    /// Which JSON-intake field each Open311 parameter feeds, to name the right one in an error.
    static let parameterOf: [String: String] = [
        "requester.phone": "phone", "requester.name": "first_name/last_name", "location.lat": "lat",
        "location.lon": "long", "location.address": "address_string", "location.districtCode": "lat/long or address_string",
        "title": "description", "description": "description", "categoryCode": "service_code",
    ]

    /// POST requests: a ticket through the same intake as the JSON API, as the machine client whose `api_key` it
    /// carries (channel `open311`, auto dispatch, `Idempotency-Key` honoured).
    func createRequest(_ request: Request, _ context: HotlineRequestContext, format: Open311Format) async throws -> Answer {
        let form = try await Self.readForm(request, context)
        try checkJurisdiction(form.first("jurisdiction_id"))
        let identity = try await client(for: form.first("api_key"), context)

        // The service: an active class of the catalogue.
        let code = form.first("service_code")?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !code.isEmpty else { throw Open311Errors(.badRequest, "service_code: required.") }
        let (classes, _) = try await catalogue(context.logger)
        guard let service = classes.first(where: { $0.code == code }) else {
            throw Open311Errors(.badRequest, "service_code: no service \(code) (see services.\(format.rawValue)).")
        }

        var problems: [String] = []
        let description = form.first("description") ?? ""
        if description.unicodeScalars.count > Open311.maxDescription {
            problems.append("description: at most \(Open311.maxDescription) characters.")
        }
        let checked = ServiceAttributes.check(form.attributes, classCode: code)
        problems += checked.problems

        // The location: a point, or an address that names its district.
        var lat: Double?
        var lon: Double?
        let rawLat = form.first("lat").flatMap { $0.isEmpty ? nil : $0 }
        let rawLon = form.first("long").flatMap { $0.isEmpty ? nil : $0 }
        if rawLat != nil || rawLon != nil {
            if let rawLat, let rawLon, let a = Double(rawLat), let b = Double(rawLon), a.isFinite, b.isFinite {
                lat = a
                lon = b
            } else {
                problems.append("lat, long: give both, as decimal degrees (WGS84).")
            }
        }
        let addressString = form.first("address_string")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if lat == nil, rawLat == nil, rawLon == nil, addressString.isEmpty {
            problems.append("location: give lat and long, or address_string.")
        }
        if (form.first("phone") ?? "").isEmpty {
            problems.append("phone: required (the hotline calls every requester back, 回访).")
        }
        guard problems.isEmpty else { throw Open311Errors(.badRequest, problems) }

        // A point is placed by the district boundaries (in the intake, as for the JSON API), and its street with it;
        // without one, the district the address names.
        var districtCode: DistrictCode?
        if lat == nil {
            districtCode = DistrictPlacement.district(
                namedIn: addressString, districts: try await reference.districts(logger: context.logger))
            guard districtCode != nil else {
                throw Open311Errors(.badRequest, "address_string: name the district (e.g. 朝阳区 or Chaoyang), or send lat and long.")
            }
        }
        let address = addressString.isEmpty
            ? String(format: "%.6f, %.6f", lat ?? 0, lon ?? 0) : addressString
        var fullDescription = description
        if !checked.lines.isEmpty {
            fullDescription += (fullDescription.isEmpty ? "" : "\n\n") + checked.lines.joined(separator: "\n")
        }
        let intake = TicketsController.IntakeRequest(
            type: RequestType.help.rawValue, categoryCode: service.code,
            title: Open311.title(className: service.nameZh, description: description),
            description: fullDescription,
            requester: .init(
                name: Open311.requesterName(first: form.first("first_name"), last: form.first("last_name")),
                phone: form.first("phone") ?? ""),
            location: .init(districtCode: districtCode?.rawValue, streetCode: nil, address: address, lat: lat, lon: lon),
            urgent: checked.urgent, channel: IntakeChannel.open311.rawValue, dispatch: "auto", answer: nil)

        // The same validation as the JSON API, its problems named by the Open311 parameter they came from.
        let input: IntakeInput
        do {
            input = try TicketsController.validate(intake)
        } catch let problem as Problem {
            throw Open311Errors(.badRequest, problem.errors.map { "\(Self.parameterOf[$0.field] ?? $0.field): \($0.message)." })
        }
        let key = try Self.idempotencyKey(request)
        let now = clock.now
        let ticket: Ticket
        let created: Bool
        do {
            (ticket, created) = try await tickets.intake(
                input, as: identity, idempotencyKey: key, requestHash: TicketsController.requestHash(input), now: now,
                logger: context.logger)
        } catch TicketStoreError.idempotencyMismatch {
            throw Open311Errors(.conflict, "This Idempotency-Key was used for a different request.")
        } catch TicketStoreError.invalid(let field, let message) {
            throw Open311Errors(.badRequest, "\(Self.parameterOf[field] ?? field): \(message).")
        } catch TicketStoreError.location(let error, _) {
            // No district is stated here, so the one refusal is a point outside Beijing.
            guard case .outsideBeijing(let tolerance) = error else { throw Open311Errors(.badRequest, "lat, long: \(error).") }
            throw Open311Errors(.badRequest, "lat, long: the point lies in none of Beijing's 16 districts (nor within \(Int(tolerance)) m of one).")
        } catch TicketStoreError.boundariesNotLoaded {
            context.logger.error("district boundaries are not loaded: run hotline migrate")
            throw Open311Errors(.internalServerError, "Points cannot be placed at the moment. Quote request id \(context.requestID).")
        }
        context.logger.info("ticket taken in through open311", metadata: ["ticket": "\(ticket.number)", "replay": "\(!created)"])
        var notice = "已受理，工单号 \(ticket.number)。Received as ticket \(ticket.number)."
        if let lead = ticket.liveLead?.unitID {
            let agency = try await tickets.unitNames([lead], logger: context.logger)[lead] ?? lead
            notice = "已受理，工单号 \(ticket.number)，承办单位：\(agency)。Received as ticket \(ticket.number), sent to \(agency)."
        }
        return (Open311Created(item: .init(
            service_request_id: ticket.id.uuidString.lowercased(), token: ticket.number, service_notice: notice)),
                created ? .created : .ok)
    }

    /// The machine client an `api_key` names: 403 unless it is the live key of a hotline-centre client.
    func client(for apiKey: String?, _ context: HotlineRequestContext) async throws -> Identity {
        guard let apiKey, !apiKey.isEmpty else {
            throw Open311Errors(.forbidden, "api_key is required to create a request.")
        }
        guard apiKey.count <= 200,
              let identity = try await auth.resolve(tokenHash: Tokens.hash(apiKey), now: clock.now, logger: context.logger),
              identity.kind == .client, identity.role.isCentre
        else {
            throw Open311Errors(.forbidden, "Invalid api_key received -- can't proceed with create_request.")
        }
        return identity
    }

    static func readForm(_ request: Request, _ context: HotlineRequestContext) async throws -> FormFields {
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            throw Open311Errors(.badRequest, "Send the fields as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 256 * 1024)
        } catch {
            throw Open311Errors(.badRequest, "The body is larger than 256 KiB.")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self), let form = FormFields(text) else {
            throw Open311Errors(.badRequest, "The body is not valid form encoding (UTF-8, percent escapes).")
        }
        // Parameters in the query string count too (the body wins).
        var fields = form
        for (name, value) in request.uri.queryParameters where form.first(String(name)) == nil {
            fields.pairs.append((String(name), String(value)))
        }
        return fields
    }

    /// `Idempotency-Key`, as the JSON intake reads it.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let raw = request.headers[.idempotencyKey] else { return nil }
        guard (1...200).contains(raw.count), raw.allSatisfy({ $0.isASCII && !$0.isWhitespace || $0 == " " }) else {
            throw Open311Errors(.badRequest, "Idempotency-Key must be 1 to 200 printable ASCII characters.")
        }
        return raw
    }
}
