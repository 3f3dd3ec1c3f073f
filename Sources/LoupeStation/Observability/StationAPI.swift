import Foundation
import Hummingbird
import NIOCore

/// The dashboard's routes. Reading is open to anyone who can reach the port; every change
/// (`POST /api/pause`, `/api/resume`, `/api/reload`, `/api/points/{name}/threshold`
/// `{"threshold": 0.6}`, `/api/points/{name}/uncertainty-band` `{"band": 0.05}`,
/// `/api/points/{name}/model` `{"path": "/models/new"}`, `/api/points/{name}/rollback`) needs
/// `Authorization: Bearer <api token>`, compared in constant time. With no token configured the
/// API is read-only: changes answer 403.
enum StationAPI {
    static func addRoutes(to router: Router<BasicRequestContext>, panel: StationControlPanel) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("api/state") { _, _ in json(.ok, panel.dashboardState()) }
        router.get("api/events") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                     body: ResponseBody { writer in
                         while !Task.isCancelled {
                             var event = ByteBuffer(string: "event: state\ndata: ")
                             event.writeBytes(panel.dashboardState())
                             event.writeString("\n\n")
                             try await writer.write(event)
                             try await Task.sleep(nanoseconds: 1_000_000_000)
                         }
                         try await writer.finish(nil)
                     })
        }
        router.get("api/points/:name/:image") { _, context in
            let name = try context.parameters.require("name"), image = try context.parameters.require("image")
            guard image.hasSuffix(".png") else { return error(StationControlError(.notFound, "no image '\(image)'")) }
            do {
                guard let png = try panel.pointImage(point: name, kind: String(image.dropLast(4))) else {
                    return error(StationControlError(.notFound, "\(name) has no \(image) yet"))
                }
                return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
            } catch let failure as StationControlError {
                return error(failure)
            }
        }
        router.get("api/archive/:day/:file") { _, context in
            let ref = try context.parameters.require("day") + "/" + context.parameters.require("file")
            guard let path = panel.archivedImagePath(ref), let data = FileManager.default.contents(atPath: path) else {
                return error(StationControlError(.notFound, "no archived image '\(ref)' (it may have expired)"))
            }
            return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        change(router, "api/pause", panel) { _, _ in .pause }
        change(router, "api/resume", panel) { _, _ in .resume }
        change(router, "api/reload", panel) { _, _ in .reload }
        change(router, "api/points/:name/threshold", panel) { name, body in
            guard let value = body["threshold"] else {
                throw StationControlError(.badRequest, "expected {\"threshold\": a number in 0...1, or null for the model's own}")
            }
            if value is NSNull { return .threshold(point: name, nil) }
            guard let threshold = value as? Double, (0...1).contains(threshold) else {
                throw StationControlError(.badRequest, "threshold must be a number in 0...1 (or null for the model's own), not \(value)")
            }
            return .threshold(point: name, Float(threshold))
        }
        change(router, "api/points/:name/uncertainty-band", panel) { name, body in
            guard let band = body["band"] as? Double else { throw StationControlError(.badRequest, "expected {\"band\": a number in 0...0.5}") }
            return .uncertaintyBand(point: name, Float(band))
        }
        change(router, "api/points/:name/model", panel) { name, body in
            guard let path = body["path"] as? String, !path.isEmpty else {
                throw StationControlError(.badRequest, "expected {\"path\": \"the model folder on the station\"}")
            }
            return .model(point: name, path: path)
        }
        change(router, "api/points/:name/rollback", panel) { name, _ in .rollback(point: name) }
    }

    /// A POST route that checks the token, reads the JSON body and performs the change.
    private static func change(_ router: Router<BasicRequestContext>, _ path: RouterPath, _ panel: StationControlPanel,
                               _ make: @escaping @Sendable (String, [String: Any]) throws -> StationChange) {
        router.post(path) { request, context in
            var request = request
            do {
                try authorise(request.headers[.authorization], token: panel.apiToken)
                let bytes = try await request.collectBody(upTo: 64 << 10)
                var body: [String: Any] = [:]
                if bytes.readableBytes > 0 {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any] else {
                        throw StationControlError(.badRequest, "the request body is not a JSON object")
                    }
                    body = object
                }
                let change = try make(context.parameters.get("name") ?? "", body)
                // Changes wait for the decision threads (model compilation, a reload): off the event loop.
                let message = try await Task.detached { try panel.perform(change, who: "api") }.value
                return json(.ok, ["ok": true, "message": message])
            } catch let failure as StationControlError {
                return error(failure)
            }
        }
    }

    /// Refuses a change without the right token: 403 when the API is read-only, 401 otherwise.
    static func authorise(_ header: String?, token: Secret?) throws {
        guard let token else {
            throw StationControlError(.forbidden, "the API is read-only: set api.token_file or api.token_env in the station configuration to allow changes")
        }
        guard let header, header.hasPrefix("Bearer ") else {
            throw StationControlError(.unauthorized, "this change needs the API token: send the header 'Authorization: Bearer <token>'")
        }
        guard tokensMatch(String(header.dropFirst(7)), token.value) else { throw StationControlError(.unauthorized, "wrong API token") }
    }

    /// Compares in time that depends only on the expected token's length, never on where the
    /// first difference is.
    static func tokensMatch(_ given: String, _ expected: String) -> Bool {
        let given = Array(given.utf8), expected = Array(expected.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<expected.count { difference |= expected[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }

    private static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        json(status, Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)))
    }

    private static func error(_ failure: StationControlError) -> Response {
        json(HTTPResponse.Status(code: failure.kind.rawValue), ["error": failure.message])
    }
}
