import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// GeoReport v2's documents. JSON keys and XML element names are the spec's; optional values are left out when
/// there is nothing to say. Codes and ids are strings; `lat`/`long` are numbers in JSON.

/// `errors`: `[{code, description}]`, `<errors><error>…</error></errors>`.
struct Open311Errors: Open311Document, Error {
    struct Item: Encodable, Sendable {
        var code: Int
        var description: String
    }

    var status: HTTPResponse.Status
    var items: [Item]

    init(_ status: HTTPResponse.Status, _ descriptions: [String]) {
        self.status = status
        self.items = descriptions.map { Item(code: Int(status.code), description: $0) }
    }

    init(_ status: HTTPResponse.Status, _ description: String) {
        self.init(status, [description])
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(items)
    }

    var xml: XMLTree {
        XMLTree("errors", children: items.map {
            XMLTree("error", children: [XMLTree("code", String($0.code)), XMLTree("description", $0.description)])
        })
    }
}

struct Open311Discovery: Open311Document {
    struct Endpoint: Encodable, Sendable {
        var specification: String
        var url: String
        var changeset: String
        var type: String
        var formats: [String]
    }

    var changeset: String
    var contact: String
    var key_service: String
    var endpoints: [Endpoint]

    var xml: XMLTree {
        XMLTree("discovery", children: [
            XMLTree("changeset", changeset), XMLTree("contact", contact), XMLTree("key_service", key_service),
            XMLTree("endpoints", children: endpoints.map { e in
                XMLTree("endpoint", children: [
                    XMLTree("specification", e.specification), XMLTree("url", e.url),
                    XMLTree("changeset", e.changeset), XMLTree("type", e.type),
                    XMLTree("formats", children: e.formats.map { XMLTree("format", $0) }),
                ])
            }),
        ])
    }
}

struct Open311Service: Encodable, Sendable {
    var service_code: String
    var service_name: String
    var description: String
    var metadata: Bool
    var type: String
    var keywords: String
    var group: String

    var xml: XMLTree {
        XMLTree("service", children: [
            XMLTree("service_code", service_code), XMLTree("service_name", service_name),
            XMLTree("description", description), XMLTree("metadata", String(metadata)), XMLTree("type", type),
            XMLTree("keywords", keywords), XMLTree("group", group),
        ])
    }
}

struct Open311Services: Open311Document {
    var services: [Open311Service]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(services)
    }

    var xml: XMLTree { XMLTree("services", children: services.map(\.xml)) }
}

struct Open311ServiceDefinition: Open311Document {
    struct Value: Encodable, Sendable {
        var key: String
        var name: String
    }

    struct Attribute: Encodable, Sendable {
        var variable: Bool
        var code: String
        var datatype: String
        var required: Bool
        var datatype_description: String
        var order: Int
        var description: String
        var values: [Value]?
    }

    var service_code: String
    var attributes: [Attribute]

    init(serviceCode: String, attributes: [ServiceAttribute]) {
        service_code = serviceCode
        self.attributes = attributes.sorted { $0.order < $1.order }.map { a in
            Attribute(
                variable: true, code: a.code, datatype: a.datatype.rawValue, required: a.required,
                datatype_description: a.datatypeDescription, order: a.order, description: a.description,
                values: a.values.isEmpty ? nil : a.values.map { Value(key: $0.key, name: $0.name) })
        }
    }

    var xml: XMLTree {
        XMLTree("service_definition", children: [
            XMLTree("service_code", service_code),
            XMLTree("attributes", children: attributes.map { a in
                XMLTree("attribute", children: [
                    XMLTree("variable", String(a.variable)), XMLTree("code", a.code), XMLTree("datatype", a.datatype),
                    XMLTree("required", String(a.required)), XMLTree("datatype_description", a.datatype_description),
                    XMLTree("order", String(a.order)), XMLTree("description", a.description),
                ] + (a.values.map { values in
                    [XMLTree("values", children: values.map {
                        XMLTree("value", children: [XMLTree("key", $0.key), XMLTree("name", $0.name)])
                    })]
                } ?? []))
            }),
        ])
    }
}

/// One service request as the public sees it. Never the requester's name, phone or email; never the timeline.
struct Open311Request: Encodable, Sendable {
    var service_request_id: String
    var status: String
    var status_notes: String?
    var service_name: String?
    var service_code: String
    var description: String
    var agency_responsible: String?
    var requested_datetime: String
    var updated_datetime: String
    var expected_datetime: String?
    var address: String
    var lat: Double?
    var long: Double?

    init(_ r: PublicRequest, serviceName: String?, agency: String?) {
        service_request_id = r.id.uuidString.lowercased()
        status = Open311.publicStatus(r.status)
        if let into = r.mergedInto {
            status_notes = "并单：与请求 \(into.uuidString.lowercased()) 重复 Merged into request \(into.uuidString.lowercased()) as a duplicate."
        } else {
            status_notes = r.replyText ?? r.answer
        }
        service_name = serviceName
        service_code = r.categoryCode
        description = r.description
        agency_responsible = agency
        requested_datetime = Open311Date.format(r.createdAt)
        updated_datetime = Open311Date.format(r.updatedAt)
        expected_datetime = r.handleBy.map(Open311Date.format)
        address = r.address
        lat = r.lat
        long = r.lon
    }

    var xml: XMLTree {
        XMLTree("request", children: [XMLTree("service_request_id", service_request_id), XMLTree("status", status)]
            + XMLTree.optional("status_notes", status_notes) + XMLTree.optional("service_name", service_name)
            + [XMLTree("service_code", service_code), XMLTree("description", description)]
            + XMLTree.optional("agency_responsible", agency_responsible)
            + [XMLTree("requested_datetime", requested_datetime), XMLTree("updated_datetime", updated_datetime)]
            + XMLTree.optional("expected_datetime", expected_datetime)
            + [XMLTree("address", address)]
            + XMLTree.optional("lat", lat.map { String($0) }) + XMLTree.optional("long", long.map { String($0) }))
    }
}

struct Open311Requests: Open311Document {
    var requests: [Open311Request]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(requests)
    }

    var xml: XMLTree { XMLTree("service_requests", children: requests.map(\.xml)) }
}

/// The answer to a POST: the new request's id at once, its token (the ticket number) and a notice.
struct Open311Created: Open311Document {
    struct Item: Encodable, Sendable {
        var service_request_id: String
        var token: String
        var service_notice: String
    }

    var item: Item

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode([item])
    }

    var xml: XMLTree {
        XMLTree("service_requests", children: [
            XMLTree("request", children: [
                XMLTree("service_request_id", item.service_request_id), XMLTree("token", item.token),
                XMLTree("service_notice", item.service_notice),
            ]),
        ])
    }
}

/// tokens/{token}: `[{token, service_request_id}]`.
struct Open311Token: Open311Document {
    struct Item: Encodable, Sendable {
        var token: String
        var service_request_id: String
    }

    var item: Item

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode([item])
    }

    var xml: XMLTree {
        XMLTree("service_requests", children: [
            XMLTree("request", children: [
                XMLTree("service_request_id", item.service_request_id), XMLTree("token", item.token),
            ]),
        ])
    }
}
